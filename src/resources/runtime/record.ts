/** OriginalKey is one managed key as cosi first found it: its path and TOML source text (`null`: it was unset). */
export interface OriginalKey {
  readonly path: readonly string[];
  readonly raw: string | null;
}

/**
 * RuntimeRecord is cosi's state for the runtime's configuration. `original` is the file as cosi found it (whether it
 * existed, and each managed key's source text; the whole file is kept under /var/lib/cosi/backups), `applied` what
 * cosi last wrote: the managed keys and a digest of the file, to tell an untouched file from an edited one.
 */
export interface RuntimeRecord {
  readonly original: {
    readonly path: string;
    readonly existed: boolean;
    readonly keys: Readonly<Record<string, OriginalKey>>;
  };
  readonly applied: {
    readonly path: string;
    readonly keys: Readonly<Record<string, unknown>>;
    readonly digest: string;
  };
}

/**
 * StoredRuntimeRecord is a RuntimeRecord as found in cosi's state: `applied` is null when cosi's first change to the
 * file was interrupted (the engine keeps `original` before carrying a change out). The file may then hold what cosi
 * found or what it wrote, and the backup may not be there yet.
 */
export type StoredRuntimeRecord = Omit<RuntimeRecord, 'applied'> & {readonly applied: RuntimeRecord['applied'] | null};

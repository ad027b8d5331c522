import type {Host} from '../../host/host.js';

/**
 * FileChange is how a provider asks for one file on the node to change: new content or removal, the file as cosi
 * found it to keep under /var/lib/cosi/backups first, and a backup to drop once the original is back.
 */
export interface FileChange {
  readonly path: string;
  /** New content of `path`; undefined with `remove` deletes the file. */
  readonly write?: string;
  readonly remove?: true;
  /** The file as cosi found it, copied to the backup path unless a backup is already there. */
  readonly backup?: {readonly path: string; readonly content: string};
  /** The backup to delete once the file is restored (on delete). */
  readonly dropBackup?: string;
}

/**
 * applyFileChange carries out a FileChange: the backup first (never overwriting an earlier one, so the very first
 * original survives re-runs and crashes), then the atomic write or the removal, then — when `dropBackup` says
 * the original is back — the backup's removal. Idempotent.
 */
export async function applyFileChange(host: Host, change: FileChange): Promise<void> {
  if (change.backup && (await host.readText(change.backup.path)) === undefined)
    await host.writeAtomic(change.backup.path, change.backup.content, {mode: 0o600});
  if (change.remove) await host.remove(change.path);
  else if (change.write !== undefined) await host.writeAtomic(change.path, change.write, {mode: 0o644});
  if (change.dropBackup) await host.remove(change.dropBackup);
}

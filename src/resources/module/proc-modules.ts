import {canonicalName} from './module-name.js';

/** LoadedModule is one line of /proc/modules: a module the kernel has loaded, and who uses it. */
export interface LoadedModule {
  readonly name: string;
  /** Reference count; null when the kernel cannot unload modules at all (`-`). */
  readonly refcount: number | null;
  /** Modules that depend on this one (the kernel's "used by" list). */
  readonly holders: readonly string[];
  /** `Live`, `Loading` or `Unloading`. */
  readonly state: string;
}

/**
 * parseProcModules reads /proc/modules (`name size refcount used-by state address`), canonical names as keys.
 * Lines it cannot read are skipped: the format is the kernel's, stable since 2.6.
 */
export function parseProcModules(text: string): Map<string, LoadedModule> {
  const out = new Map<string, LoadedModule>();
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 5 || fields[0] === '') continue;
    const [rawName, , refcount, usedBy, state] = fields as [string, string, string, string, string];
    const name = canonicalName(rawName);
    const holders =
      usedBy === '-'
        ? []
        : usedBy
            .split(',')
            .filter((h) => h !== '' && h !== '[permanent]')
            .map(canonicalName);
    out.set(name, {name, refcount: /^\d+$/.test(refcount) ? Number(refcount) : null, holders, state});
  }
  return out;
}

/**
 * inUse tells whether a loaded module cannot be unloaded now: something holds a reference (refcount above zero,
 * or a module depends on it), or the kernel cannot unload modules at all.
 */
export function inUse(module: LoadedModule): boolean {
  return module.refcount === null || module.refcount > 0 || module.holders.length > 0;
}

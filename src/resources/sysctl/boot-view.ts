import {globMatches, type SysctlAssignment} from './sysctl-d.js';

/** SysctlFile is one configuration file systemd-sysctl reads at boot, with its assignments. */
export interface SysctlFile {
  readonly path: string;
  readonly assignments: readonly SysctlAssignment[];
}

/** BootValue is the value a key gets at boot, and the file (and line) that decides it. */
export interface BootValue {
  readonly value: string;
  readonly file: string;
  readonly line: number;
}

/** BootView answers what systemd-sysctl sets each key to at boot. */
export interface BootView {
  /** The value a key gets at boot and the file that decides it; undefined when no file sets the key. */
  value(name: string): BootValue | undefined;
}

/**
 * bootView reads the files in the order systemd-sysctl reads them, once: a later explicit assignment overrides an
 * earlier one, and an explicit assignment anywhere beats a glob pattern (of which the last matching one wins).
 * Pure; a lookup costs one map access, plus one test per glob pattern for a key no file names.
 */
export function bootView(files: readonly SysctlFile[]): BootView {
  const explicit = new Map<string, BootValue>();
  const globs: Array<{pattern: string; value: BootValue}> = [];
  for (const file of files) {
    for (const a of file.assignments) {
      const value = {value: a.value, file: file.path, line: a.line};
      if (a.glob) globs.push({pattern: a.key, value});
      else explicit.set(a.key, value);
    }
  }
  return {
    value(name) {
      const found = explicit.get(name);
      if (found) return found;
      for (let i = globs.length - 1; i >= 0; i--) if (globMatches(globs[i]!.pattern, name)) return globs[i]!.value;
      return undefined;
    },
  };
}

/**
 * orderSysctlFiles returns the configuration files in the order systemd-sysctl reads them: every `*.conf` from
 * the sysctl.d directories, a name in an earlier directory hiding the same name in later ones (a link to
 * /dev/null masks it), sorted by file name; `/etc/sysctl.conf` last when no sysctl.d entry already links to it.
 */
export function orderSysctlFiles(listing: ReadonlyArray<{dir: string; names: readonly string[]}>): string[] {
  const chosen = new Map<string, string>();
  for (const {dir, names} of listing) {
    for (const name of names) if (name.endsWith('.conf') && !chosen.has(name)) chosen.set(name, `${dir}/${name}`);
  }
  return [...chosen.keys()].sort().map((name) => chosen.get(name)!);
}

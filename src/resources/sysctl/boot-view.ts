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

/**
 * bootValue computes what systemd-sysctl sets a key to at boot from the files in the order it reads them: a later
 * explicit assignment overrides an earlier one, and an explicit assignment anywhere beats a glob pattern.
 * Returns undefined when no file sets the key. Pure.
 */
export function bootValue(files: readonly SysctlFile[], name: string): BootValue | undefined {
  let explicit: BootValue | undefined;
  let glob: BootValue | undefined;
  for (const file of files) {
    for (const a of file.assignments) {
      if (!a.glob && a.key === name) explicit = {value: a.value, file: file.path, line: a.line};
      else if (a.glob && globMatches(a.key, name)) glob = {value: a.value, file: file.path, line: a.line};
    }
  }
  return explicit ?? glob;
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

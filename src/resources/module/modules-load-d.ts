import {canonicalName} from './module-name.js';

/** cosiModulesLoadFile is the one file in /etc/modules-load.d that cosi owns. */
export const cosiModulesLoadFile = '/etc/modules-load.d/cosi.conf';

/** modulesLoadDirs are the directories systemd-modules-load reads, most important first. */
export const modulesLoadDirs = [
  '/etc/modules-load.d',
  '/run/modules-load.d',
  '/usr/local/lib/modules-load.d',
  '/usr/lib/modules-load.d',
  '/lib/modules-load.d',
] as const;

/** ModulesLoadEntry is one module name listed in a modules-load.d file. */
export interface ModulesLoadEntry {
  readonly module: string;
  readonly line: number;
}

/** ModulesLoadFile is one modules-load.d file with the modules it loads at boot. */
export interface ModulesLoadFile {
  readonly path: string;
  readonly entries: readonly ModulesLoadEntry[];
}

/** parseModulesLoadFile reads a modules-load.d file: one module per line, `#` and `;` comments. Pure. */
export function parseModulesLoadFile(text: string): ModulesLoadEntry[] {
  const out: ModulesLoadEntry[] = [];
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    // Debian's /etc/modules allows parameters after the name; systemd reads the first word only as the name.
    out.push({module: canonicalName(line.split(/\s+/)[0]!), line: index + 1});
  }
  return out;
}

/** renderCosiModulesLoadFile renders cosi's modules-load.d file, sorted; undefined when there is nothing to load. */
export function renderCosiModulesLoadFile(modules: ReadonlySet<string>): string | undefined {
  if (modules.size === 0) return undefined;
  const header = '# Managed by cosi (https://cosi.dev). Do not edit: changes are overwritten on the next apply.\n';
  return (
    header +
    [...modules]
      .sort()
      .map((m) => `${m}\n`)
      .join('')
  );
}

/**
 * orderConfigFiles returns configuration files in the order systemd and kmod read them: every `*.conf` of the
 * directories, a name in an earlier directory hiding the same name in later ones, sorted by file name. Pure.
 */
export function orderConfigFiles(listing: ReadonlyArray<{dir: string; names: readonly string[]}>): string[] {
  const chosen = new Map<string, string>();
  for (const {dir, names} of listing) {
    for (const name of names) if (name.endsWith('.conf') && !chosen.has(name)) chosen.set(name, `${dir}/${name}`);
  }
  return [...chosen.keys()].sort().map((name) => chosen.get(name)!);
}

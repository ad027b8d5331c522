import {parseSysctlKey} from '../../names/sysctl-key.js';

/** cosiSysctlFile is the one file in /etc/sysctl.d that cosi owns. */
export const cosiSysctlFile = '/etc/sysctl.d/90-cosi.conf';

/** sysctlDirs are the directories systemd-sysctl reads, most important first. */
export const sysctlDirs = [
  '/etc/sysctl.d',
  '/run/sysctl.d',
  '/usr/local/lib/sysctl.d',
  '/usr/lib/sysctl.d',
  '/lib/sysctl.d',
] as const;

/** SysctlAssignment is one `key = value` line of a sysctl.d file. */
export interface SysctlAssignment {
  /** Canonical key name, or the pattern as written when `glob`. */
  readonly key: string;
  readonly value: string;
  readonly glob: boolean;
  readonly line: number;
}

/**
 * parseSysctlFile reads a sysctl.d file as systemd-sysctl does: `#` and `;` comments, `key = value`, a leading
 * `-` (ignore failures) dropped, keys in dot or slash form, and glob patterns kept as such.
 */
export function parseSysctlFile(text: string): SysctlAssignment[] {
  const out: SysctlAssignment[] = [];
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const eq = line.indexOf('=');
    if (eq === -1) continue;
    let key = line.slice(0, eq).trim();
    if (key.startsWith('-')) key = key.slice(1).trim();
    const value = line.slice(eq + 1).trim();
    const glob = /[*?[]/.test(key);
    const parsed = glob ? undefined : parseSysctlKey(key);
    if (!glob && !parsed) continue;
    out.push({key: parsed ? parsed.name : key, value, glob, line: index + 1});
  }
  return out;
}

/**
 * renderCosiSysctlFile renders cosi's own sysctl.d file from key -> value (keys in file form), sorted so that
 * the same settings always give the same bytes.
 */
export function renderCosiSysctlFile(entries: ReadonlyMap<string, string>): string {
  const header = '# Managed by cosi (https://cosi.dev). Do not edit: changes are overwritten on the next apply.\n';
  const lines = [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k} = ${v}\n`);
  return header + lines.join('');
}

/** globMatches tells whether a systemd-sysctl glob pattern (dot or slash form) matches a canonical key name. */
export function globMatches(pattern: string, name: string): boolean {
  const normalized =
    pattern.includes('/') && (!pattern.includes('.') || pattern.indexOf('/') < pattern.indexOf('.'))
      ? pattern
          .split('/')
          .map((p) => p.replace(/\./g, '/'))
          .join('.')
      : pattern;
  const regex = new RegExp(
    '^' +
      normalized
        .replace(/[.+^${}()|\\]/g, '\\$&')
        .replace(/\*/g, '[^.]*')
        .replace(/\?/g, '[^.]') +
      '$',
  );
  return regex.test(name);
}

import {canonicalName} from './module-name.js';

/** cosiModprobeFile is the one file in /etc/modprobe.d that cosi owns. */
export const cosiModprobeFile = '/etc/modprobe.d/cosi.conf';

/**
 * modprobeDirs are the directories kmod reads configuration from, most important first: a file name in an earlier
 * directory hides the same name in later ones, and the files are then read in the order of their names.
 */
export const modprobeDirs = [
  '/etc/modprobe.d',
  '/run/modprobe.d',
  '/usr/local/lib/modprobe.d',
  '/usr/lib/modprobe.d',
  '/lib/modprobe.d',
] as const;

/** ModprobeCommand is the closed set of modprobe.d directives cosi reads. */
export type ModprobeCommand = 'alias' | 'blacklist' | 'install' | 'remove' | 'options' | 'softdep';

/** ModprobeDirective is one directive of a modprobe.d file: `options nf_conntrack hashsize=131072`. */
export interface ModprobeDirective {
  readonly command: ModprobeCommand;
  /** Canonical module name (for `alias`, the alias's target; the pattern is in `args`). */
  readonly module: string;
  /** The rest of the line after the module name (for `alias`, the pattern). */
  readonly args: string;
  /** 1-based line number where the directive starts. */
  readonly line: number;
  /** The directive as written, continuation lines joined. */
  readonly text: string;
}

/** ModprobeFile is one modprobe.d file with its directives. */
export interface ModprobeFile {
  readonly path: string;
  readonly directives: readonly ModprobeDirective[];
}

const commands: ReadonlySet<string> = new Set<ModprobeCommand>([
  'alias',
  'blacklist',
  'install',
  'remove',
  'options',
  'softdep',
]);

/**
 * parseModprobeFile reads a modprobe.d file as kmod does: `#` comments, `\` at the end of a line continues it,
 * the first word is the command and the second the module (module names are canonical: `-` folds into `_`).
 * Unknown commands are skipped, as kmod skips them with a warning. Pure.
 */
export function parseModprobeFile(text: string): ModprobeDirective[] {
  const out: ModprobeDirective[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i]!;
    while (line.endsWith('\\') && i + 1 < lines.length) line = line.slice(0, -1) + ' ' + lines[++i]!;
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const match = /^(\S+)\s+(\S+)\s*(.*)$/.exec(trimmed);
    if (!match || !commands.has(match[1]!)) continue;
    const command = match[1] as ModprobeCommand;
    if (command === 'alias') {
      const target = /^(\S+)/.exec(match[3]!)?.[1];
      if (target) out.push({command, module: canonicalName(target), args: match[2]!, line: start + 1, text: trimmed});
      continue;
    }
    out.push({command, module: canonicalName(match[2]!), args: match[3]!.trim(), line: start + 1, text: trimmed});
  }
  return out;
}

/**
 * parseOptions splits an `options` argument string the way the kernel's parse_args does: white-space separated
 * `name=value` (or bare `name`, meaning a true boolean) where a value may be double-quoted. Parameter names are
 * canonical (`-` folds into `_`). Pure.
 */
export function parseOptions(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i >= text.length) break;
    let word = '';
    let quoted = false;
    while (i < text.length && (quoted || !/\s/.test(text[i]!))) {
      if (text[i] === '"') quoted = !quoted;
      else word += text[i];
      i++;
    }
    const eq = word.indexOf('=');
    if (eq === -1) out.push([canonicalName(word), 'Y']);
    else out.push([canonicalName(word.slice(0, eq)), word.slice(eq + 1)]);
  }
  return out;
}

/** renderOption renders one `name=value` for an options line or a modprobe argument, quoting a value with spaces. */
export function renderOption(name: string, value: string): string {
  return /[\s]/.test(value) || value === '' ? `${name}="${value}"` : `${name}=${value}`;
}

/**
 * renderCosiModprobeFile renders cosi's modprobe.d file from module -> its lines, sorted by module so that the same
 * settings always give the same bytes. Returns undefined when there is nothing to write (the file is removed).
 */
export function renderCosiModprobeFile(entries: ReadonlyMap<string, readonly string[]>): string | undefined {
  const modules = [...entries.keys()].filter((m) => entries.get(m)!.length > 0).sort();
  if (modules.length === 0) return undefined;
  const header = '# Managed by cosi (https://cosi.dev). Do not edit: changes are overwritten on the next apply.\n';
  return (
    header +
    modules
      .map((m) =>
        entries
          .get(m)!
          .map((l) => `${l}\n`)
          .join(''),
      )
      .join('')
  );
}

/** cosiModprobeEntries groups the directives of cosi's modprobe.d file by module, as written. Pure. */
export function cosiModprobeEntries(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const d of parseModprobeFile(text)) out.set(d.module, [...(out.get(d.module) ?? []), d.text]);
  return out;
}

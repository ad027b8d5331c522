import {canonicalName, moduleNameFromPath} from './module-name.js';

/** ModuleIndex is what the running kernel's module directory says exists: loadable modules and built-in ones. */
export interface ModuleIndex {
  /** Loadable modules (modules.dep), canonical name -> canonical names of the modules it needs. */
  readonly loadable: ReadonlyMap<string, readonly string[]>;
  /** Modules compiled into the kernel (modules.builtin), canonical names. */
  readonly builtin: ReadonlySet<string>;
}

/**
 * parseModulesDep reads modules.dep (`kernel/a/b.ko.xz: kernel/c/d.ko.xz ...`) into canonical name -> needed
 * modules. Pure.
 */
export function parseModulesDep(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    const name = moduleNameFromPath(line.slice(0, colon).trim());
    if (!name) continue;
    const deps = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(moduleNameFromPath)
      .filter((d): d is string => d !== undefined);
    out.set(name, deps);
  }
  return out;
}

/** parseModulesBuiltin reads modules.builtin (one `kernel/a/b.ko` per line) into canonical names. Pure. */
export function parseModulesBuiltin(text: string): Set<string> {
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    const name = moduleNameFromPath(line.trim());
    if (name) out.add(name);
  }
  return out;
}

/** ModuleAlias is one `alias PATTERN MODULE` line of modules.alias (or of a modprobe.d file). */
export interface ModuleAlias {
  readonly pattern: string;
  readonly module: string;
}

/** parseModulesAlias reads `alias PATTERN MODULE` lines. Pure. */
export function parseModulesAlias(text: string): ModuleAlias[] {
  const out: ModuleAlias[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length >= 3 && fields[0] === 'alias') out.push({pattern: fields[1]!, module: canonicalName(fields[2]!)});
  }
  return out;
}

/**
 * aliasTargets returns the modules an alias resolves to, as modprobe resolves it: the name is matched against
 * every pattern with shell globbing (`*`, `?`, `[...]`), `-` and `_` folded. Pure.
 */
export function aliasTargets(aliases: readonly ModuleAlias[], name: string): string[] {
  const wanted = canonicalName(name);
  const found = new Set<string>();
  for (const alias of aliases) if (globMatch(canonicalName(alias.pattern), wanted)) found.add(alias.module);
  return [...found].sort();
}

function globMatch(pattern: string, text: string): boolean {
  if (!/[*?[]/.test(pattern)) return pattern === text;
  let regex = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') regex += '.*';
    else if (c === '?') regex += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end === -1) regex += '\\[';
      else {
        const body = pattern
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\');
        regex += `[${body}]`;
        i = end;
      }
    } else regex += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  try {
    return new RegExp(`${regex}$`).test(text);
  } catch {
    return false;
  }
}

import {parse as parseToml} from 'smol-toml';
import {parseTOML, type AST} from 'toml-eslint-parser';
import {canonicalJson} from '../../engine/digest.js';
import {isTable, renderKey, withValue} from './settings-leaves.js';

/** TomlEdit is one key to change in a TOML file: set to a TOML literal (`raw`), or `remove` it. */
export type TomlEdit = {readonly path: readonly string[]; readonly raw: string} | {readonly path: readonly string[]; readonly remove: true};

/** EditResult is the edited text, or why the file cannot be edited in place. */
export type EditResult = {readonly ok: true; readonly text: string} | {readonly ok: false; readonly reason: string};

/**
 * editToml changes only the given keys of a TOML file and keeps every other byte: values are replaced within their
 * source range (toml-eslint-parser's AST), a new key goes at the end of its table (a new table is appended at the
 * end of the file), a removed key's line goes. `keepTables` names the tables (rendered keys) that must stay even
 * when a removal leaves them empty; other emptied tables are removed with their header, so that removing what cosi
 * added gives back the file it found. Every result is parsed again and must equal the intended document; where
 * it does not (keys inside inline tables or arrays of tables, tables defined by dotted keys), the result says why.
 * Pure.
 */
export function editToml(text: string, edits: readonly TomlEdit[], keepTables: ReadonlySet<string> = new Set()): EditResult {
  let current = text;
  for (const edit of edits) {
    const result = 'remove' in edit ? removeKey(current, edit.path, keepTables) : setKey(current, edit.path, edit.raw);
    if (!result.ok) return result;
    current = result.text;
  }
  return {ok: true, text: current};
}

/** tomlLiteral renders a JSON value as a TOML literal (arrays and tables inline). */
export function tomlLiteral(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return String(value);
    if (Number.isNaN(value)) return 'nan';
    if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map(tomlLiteral).join(', ')}]`;
  if (isTable(value)) {
    const entries = Object.entries(value).map(([k, v]) => `${renderKey([k])} = ${tomlLiteral(v)}`);
    return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
  }
  throw new Error(`internal error (this is a bug in cosi): no TOML form for ${JSON.stringify(value)}`);
}

/** parseTomlDocument parses TOML into plain values, or returns the parser's message. */
export function parseTomlDocument(text: string): {ok: true; value: Record<string, unknown>} | {ok: false; reason: string} {
  try {
    return {ok: true, value: parseToml(text) as Record<string, unknown>};
  } catch (cause) {
    return {ok: false, reason: (cause as Error).message.split('\n')[0]!};
  }
}

interface Located {
  readonly node: AST.TOMLKeyValue;
  readonly path: string[];
  /** The key value sits inside an inline table or an array of tables: it cannot take new siblings in place. */
  readonly nested: boolean;
}

function keyParts(key: AST.TOMLKey): string[] {
  return key.keys.map((k) => (k.type === 'TOMLBare' ? k.name : k.value));
}

function keyValues(ast: AST.TOMLProgram): Located[] {
  const found: Located[] = [];
  const visit = (kv: AST.TOMLKeyValue, base: string[], nested: boolean) => {
    const path = [...base, ...keyParts(kv.key)];
    found.push({node: kv, path, nested});
    if (kv.value.type === 'TOMLInlineTable') for (const inner of kv.value.body) visit(inner, path, true);
  };
  for (const item of ast.body[0].body) {
    if (item.type === 'TOMLKeyValue') visit(item, [], false);
    else for (const kv of item.body) visit(kv, item.resolvedKey.map(String), item.kind === 'array');
  }
  return found;
}

function samePath(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((part, i) => part === b[i]);
}

function isPrefix(prefix: readonly string[], path: readonly string[]): boolean {
  return prefix.length < path.length && prefix.every((part, i) => part === path[i]);
}

function lineStart(text: string, at: number): number {
  return text.lastIndexOf('\n', at - 1) + 1;
}

function lineEnd(text: string, at: number): number {
  const newline = text.indexOf('\n', at);
  return newline === -1 ? text.length : newline + 1;
}

function indentOf(text: string, at: number): string {
  return /^[ \t]*/.exec(text.slice(lineStart(text, at)))![0];
}

function setKey(text: string, path: readonly string[], raw: string): EditResult {
  const ast = parseTOML(text);
  const entries = keyValues(ast);
  const existing = entries.find((e) => samePath(e.path, path));
  const key = renderKey(path);
  let next: string;
  if (existing) {
    const [from, to] = existing.node.value.range;
    next = text.slice(0, from) + raw + text.slice(to);
  } else {
    const above = entries.find((e) => isPrefix(e.path, path));
    if (above) {
      return {ok: false, reason: above.node.value.type === 'TOMLInlineTable'
        ? `${renderKey(above.path)} is an inline table, which TOML does not let cosi extend in place`
        : `${renderKey(above.path)} is not a table`};
    }
    const parent = path.slice(0, -1);
    const leaf = renderKey(path.slice(-1));
    const tables = ast.body[0].body.filter((item): item is AST.TOMLTable => item.type === 'TOMLTable');
    if (parent.length === 0) {
      const topLevel = ast.body[0].body.filter((item) => item.type === 'TOMLKeyValue');
      const last = topLevel.at(-1);
      const at = last ? lineEnd(text, last.range[1]) : 0;
      next = text.slice(0, at) + `${last ? indentOf(text, last.range[0]) : ''}${leaf} = ${raw}\n` + text.slice(at);
    } else {
      const table = tables.find((t) => t.kind === 'standard' && samePath(t.resolvedKey.map(String), parent));
      if (table) {
        const last = table.body.at(-1);
        const at = lineEnd(text, (last ?? table).range[1]);
        const indent = last ? indentOf(text, last.range[0]) : `${indentOf(text, table.range[0])}  `;
        next = withNewline(text.slice(0, at)) + `${indent}${leaf} = ${raw}\n` + text.slice(at);
      } else {
        next = `${withNewline(text)}\n[${renderKey(parent)}]\n  ${leaf} = ${raw}\n`;
      }
    }
  }
  return verified(text, next, path, raw, key);
}

function withNewline(text: string): string {
  return text === '' || text.endsWith('\n') ? text : `${text}\n`;
}

function removeKey(text: string, path: readonly string[], keepTables: ReadonlySet<string>): EditResult {
  const ast = parseTOML(text);
  const existing = keyValues(ast).find((e) => samePath(e.path, path));
  if (!existing) return {ok: true, text};
  if (existing.nested) return {ok: false, reason: `${renderKey(path)} is inside an inline table or an array of tables`};
  const kv = existing.node;
  let from = lineStart(text, kv.range[0]);
  let to = lineEnd(text, kv.range[1]);
  const table = kv.parent.type === 'TOMLTable' ? kv.parent : undefined;
  if (table && table.body.length === 1 && !keepTables.has(renderKey(table.resolvedKey.map(String)))) {
    from = lineStart(text, table.range[0]);
    // The blank line cosi put before a table it appended goes with it.
    if (from >= 2 && text.slice(from - 2, from) === '\n\n') from -= 1;
    to = lineEnd(text, kv.range[1]);
  }
  const next = text.slice(0, from) + text.slice(to);
  return verified(text, next, path, undefined, renderKey(path));
}

function verified(before: string, after: string, path: readonly string[], raw: string | undefined, key: string): EditResult {
  const old = parseTomlDocument(before);
  const edited = parseTomlDocument(after);
  if (!old.ok) return {ok: false, reason: `the file is not valid TOML: ${old.reason}`};
  if (!edited.ok) return {ok: false, reason: `setting ${key} in place would not give valid TOML (${edited.reason})`};
  const value = raw === undefined ? undefined : (parseToml(`x = ${raw}`) as {x: unknown}).x;
  const intended = withValue(old.value, path, value);
  if (canonicalJson(dropEmptyTables(intended)) !== canonicalJson(dropEmptyTables(edited.value))) {
    return {ok: false, reason: `setting ${key} in place would change other keys of the file`};
  }
  return {ok: true, text: after};
}

/** dropEmptyTables removes empty tables, recursively: a removal may take a table cosi added along with its last key. */
function dropEmptyTables(document: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(document)) {
    if (!isTable(v)) out[k] = v;
    else {
      const inner = dropEmptyTables(v);
      if (Object.keys(inner).length > 0) out[k] = inner;
    }
  }
  return out;
}

/** rawValue returns the source text of the value at a key path (`false`, `"overlayfs"`), or null when unset. */
export function rawValue(text: string, path: readonly string[]): string | null {
  const found = keyValues(parseTOML(text)).find((e) => samePath(e.path, path));
  return found ? text.slice(found.node.value.range[0], found.node.value.range[1]) : null;
}

/** tableKeys lists the rendered keys of the tables a file declares with a header, for `editToml`'s `keepTables`. */
export function tableKeys(text: string): Set<string> {
  const keys = new Set<string>();
  for (const item of parseTOML(text).body[0].body) if (item.type === 'TOMLTable') keys.add(renderKey(item.resolvedKey.map(String)));
  return keys;
}

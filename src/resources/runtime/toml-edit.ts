import {parse as parseToml} from 'smol-toml';
import {parseTOML, type AST} from 'toml-eslint-parser';
import {canonicalJson} from '../../engine/digest.js';
import {isTable, renderKey} from './settings-leaves.js';

/** TomlEdit is one key to change in a TOML file: set to a TOML literal (`raw`), or `remove` it. */
export type TomlEdit =
  {readonly path: readonly string[]; readonly raw: string} | {readonly path: readonly string[]; readonly remove: true};

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
export function editToml(
  text: string,
  edits: readonly TomlEdit[],
  keepTables: ReadonlySet<string> = new Set(),
): EditResult {
  const old = parseTomlDocument(text);
  if (!old.ok) return {ok: false, reason: `the file is not valid TOML: ${old.reason}`};
  const keys = edits.map((edit) => renderKey(edit.path));
  // One pass for the values set, one for the keys removed, one check at the end: linear in the number of keys (a
  // parse per edit made 10,000 settings take minutes). A key edited twice is done one edit at a time.
  if (new Set(keys).size !== keys.length) {
    let each: EditResult = {ok: true, text};
    for (const edit of edits) if (each.ok) each = editToml(each.text, [edit], keepTables);
    return each;
  }
  const sets = edits.filter((edit): edit is Extract<TomlEdit, {raw: string}> => !('remove' in edit));
  const removes = edits.filter((edit) => 'remove' in edit).map((edit) => edit.path);
  let next: EditResult = {ok: true, text};
  if (sets.length > 0) next = setKeys(text, sets);
  if (next.ok && removes.length > 0) next = removeKeys(next.text, removes, keepTables);
  if (!next.ok) return next;
  const what = edits.length === 1 ? `setting ${keys[0]}` : `setting ${edits.length} keys`;
  const edited = parseTomlDocument(next.text);
  if (!edited.ok) return {ok: false, reason: `${what} in place would not give valid TOML (${edited.reason})`};
  const intended = structuredClone(old.value);
  for (const edit of edits)
    setIn(intended, edit.path, 'remove' in edit ? undefined : (parseToml(`x = ${edit.raw}`) as {x: unknown}).x);
  if (canonicalJson(dropEmptyTables(intended)) !== canonicalJson(dropEmptyTables(edited.value))) {
    return {ok: false, reason: `${what} in place would change other keys of the file`};
  }
  return next;
}

/** setIn sets (or, with undefined, deletes) the value at a key path of a parsed document, in place. */
function setIn(document: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let at = document;
  for (const part of path.slice(0, -1)) {
    if (!isTable(at[part])) at[part] = {};
    at = at[part] as Record<string, unknown>;
  }
  const leaf = path.at(-1)!;
  if (value === undefined) delete at[leaf];
  else at[leaf] = value;
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
export function parseTomlDocument(
  text: string,
): {ok: true; value: Record<string, unknown>} | {ok: false; reason: string} {
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

interface Splice {
  readonly from: number;
  readonly to: number;
  readonly text: string;
}

/** splice applies non-overlapping replacements, in order of position (insertions at one place keep their order). */
function splice(text: string, splices: readonly Splice[]): string {
  const sorted = splices.map((s, i) => ({...s, i})).sort((a, b) => a.from - b.from || a.i - b.i);
  let out = '';
  let cursor = 0;
  for (const s of sorted) {
    out += text.slice(cursor, Math.max(cursor, s.from)) + s.text;
    cursor = Math.max(cursor, s.to);
  }
  return out + text.slice(cursor);
}

/**
 * setKeys sets every key in one pass over one parse: a value in place within its source range, a new key at the end
 * of its table (indented like its siblings) or after the last top-level key, and the keys of a table the file lacks
 * under one new table, appended at the end of the file.
 */
function setKeys(text: string, sets: readonly {path: readonly string[]; raw: string}[]): EditResult {
  const ast = parseTOML(text);
  const entries = new Map(keyValues(ast).map((e) => [renderKey(e.path), e]));
  const tables = new Map<string, AST.TOMLTable>();
  for (const item of ast.body[0].body)
    if (item.type === 'TOMLTable' && item.kind === 'standard')
      tables.set(renderKey(item.resolvedKey.map(String)), item);
  const splices: Splice[] = [];
  const topLevel: string[] = [];
  const intoTable = new Map<AST.TOMLTable, string[]>();
  const newTables = new Map<string, string[]>();
  for (const {path, raw} of sets) {
    const existing = entries.get(renderKey(path));
    if (existing) {
      const [from, to] = existing.node.value.range;
      splices.push({from, to, text: raw});
      continue;
    }
    for (let i = 1; i < path.length; i++) {
      const above = entries.get(renderKey(path.slice(0, i)));
      if (!above) continue;
      return {
        ok: false,
        reason:
          above.node.value.type === 'TOMLInlineTable'
            ? `${renderKey(above.path)} is an inline table, which TOML does not let cosi extend in place`
            : `${renderKey(above.path)} is not a table`,
      };
    }
    const line = `${renderKey(path.slice(-1))} = ${raw}`;
    const parent = renderKey(path.slice(0, -1));
    const table = path.length > 1 ? tables.get(parent) : undefined;
    const group =
      path.length === 1
        ? topLevel
        : table
          ? (intoTable.get(table) ?? intoTable.set(table, []).get(table)!)
          : (newTables.get(parent) ?? newTables.set(parent, []).get(parent)!);
    group.push(line);
  }
  const insert = (at: number, indent: string, lines: readonly string[]) => {
    const lead = at === text.length && at > 0 && !text.endsWith('\n') ? '\n' : '';
    splices.push({from: at, to: at, text: lead + lines.map((l) => `${indent}${l}\n`).join('')});
  };
  if (topLevel.length > 0) {
    const last = ast.body[0].body.filter((item) => item.type === 'TOMLKeyValue').at(-1);
    insert(last ? lineEnd(text, last.range[1]) : 0, last ? indentOf(text, last.range[0]) : '', topLevel);
  }
  for (const [table, lines] of intoTable) {
    const last = table.body.at(-1);
    insert(
      lineEnd(text, (last ?? table).range[1]),
      last ? indentOf(text, last.range[0]) : `${indentOf(text, table.range[0])}  `,
      lines,
    );
  }
  const edited = splice(text, splices);
  if (newTables.size === 0) return {ok: true, text: edited};
  return {
    ok: true,
    text:
      withNewline(edited) +
      [...newTables].map(([parent, lines]) => `\n[${parent}]\n${lines.map((l) => `  ${l}\n`).join('')}`).join(''),
  };
}

function withNewline(text: string): string {
  return text === '' || text.endsWith('\n') ? text : `${text}\n`;
}

/**
 * removeKeys removes every key's line in one pass; a table whose keys all go loses its header too (with the blank
 * line cosi put before a table it appended), unless `keepTables` names it.
 */
function removeKeys(text: string, paths: readonly (readonly string[])[], keepTables: ReadonlySet<string>): EditResult {
  const entries = new Map(keyValues(parseTOML(text)).map((e) => [renderKey(e.path), e]));
  const gone = new Map<AST.TOMLTable | undefined, AST.TOMLKeyValue[]>();
  for (const path of paths) {
    const existing = entries.get(renderKey(path));
    if (!existing) continue;
    if (existing.nested)
      return {ok: false, reason: `${renderKey(path)} is inside an inline table or an array of tables`};
    const table = existing.node.parent.type === 'TOMLTable' ? existing.node.parent : undefined;
    (gone.get(table) ?? gone.set(table, []).get(table)!).push(existing.node);
  }
  const splices: Splice[] = [];
  for (const [table, kvs] of gone) {
    if (table && kvs.length === table.body.length && !keepTables.has(renderKey(table.resolvedKey.map(String)))) {
      let from = lineStart(text, table.range[0]);
      if (from >= 2 && text.slice(from - 2, from) === '\n\n') from -= 1;
      splices.push({from, to: lineEnd(text, Math.max(...kvs.map((kv) => kv.range[1]))), text: ''});
    } else {
      for (const kv of kvs)
        splices.push({from: lineStart(text, kv.range[0]), to: lineEnd(text, kv.range[1]), text: ''});
    }
  }
  return {ok: true, text: splice(text, splices)};
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

let indexed: {text: string; values: Map<string, string>} | undefined;

/**
 * rawValue returns the source text of the value at a key path (`false`, `"overlayfs"`), or null when unset. The index
 * of the last text asked about is kept, so that a plan asking for every managed key parses the file once.
 */
export function rawValue(text: string, path: readonly string[]): string | null {
  if (indexed?.text !== text) {
    indexed = {
      text,
      values: new Map(
        keyValues(parseTOML(text)).map((e) => [
          renderKey(e.path),
          text.slice(e.node.value.range[0], e.node.value.range[1]),
        ]),
      ),
    };
  }
  return indexed.values.get(renderKey(path)) ?? null;
}

/** tableKeys lists the rendered keys of the tables a file declares with a header, for `editToml`'s `keepTables`. */
export function tableKeys(text: string): Set<string> {
  const keys = new Set<string>();
  for (const item of parseTOML(text).body[0].body)
    if (item.type === 'TOMLTable') keys.add(renderKey(item.resolvedKey.map(String)));
  return keys;
}

/** SettingLeaf is one managed key of a runtime's TOML configuration: its key path and the value cosi sets. */
export interface SettingLeaf {
  readonly path: readonly string[];
  readonly value: unknown;
  /** Why cosi sets a key the document does not name (the engine's default of a table cosi creates). */
  readonly note?: string;
  /** The key path as the document declares it, when cosi writes the key elsewhere (another config version's layout). */
  readonly source?: readonly string[];
}

/** isTable tells whether a settings value is a table (a plain object), which the deep merge descends into. */
export function isTable(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date);
}

/**
 * flattenSettings turns nested `settings` into the leaves cosi manages: every value that is not a table (arrays
 * included) is one leaf, so a deep merge sets exactly these keys and nothing else. Pure; sorted by rendered key.
 */
export function flattenSettings(
  settings: Readonly<Record<string, unknown>>,
  prefix: readonly string[] = [],
): SettingLeaf[] {
  const leaves: SettingLeaf[] = [];
  for (const [key, value] of Object.entries(settings)) {
    if (isTable(value) && Object.keys(value).length > 0) leaves.push(...flattenSettings(value, [...prefix, key]));
    else leaves.push({path: [...prefix, key], value});
  }
  return leaves.sort((a, b) => compareText(renderKey(a.path), renderKey(b.path)));
}

/** renderKey renders a key path as TOML writes it: bare segments where allowed, quoted otherwise. */
export function renderKey(path: readonly string[]): string {
  return path.map((part) => (/^[A-Za-z0-9_-]+$/.test(part) ? part : JSON.stringify(part))).join('.');
}

/** lookup returns the value at a key path of a parsed TOML document, or undefined when some part is missing. */
export function lookup(document: unknown, path: readonly string[]): unknown {
  let at: unknown = document;
  for (const part of path) {
    if (!isTable(at) || !Object.hasOwn(at, part)) return undefined;
    at = at[part];
  }
  return at;
}

/** withValue returns a deep copy of `document` with `value` at `path` (undefined removes the key). Pure. */
export function withValue(
  document: Record<string, unknown>,
  path: readonly string[],
  value: unknown,
): Record<string, unknown> {
  const [head, ...rest] = path;
  if (head === undefined) return document;
  const copy = {...document};
  if (rest.length === 0) {
    if (value === undefined) delete copy[head];
    else copy[head] = value;
    return copy;
  }
  const child = isTable(copy[head]) ? (copy[head] as Record<string, unknown>) : {};
  copy[head] = withValue(child, rest, value);
  return copy;
}

/** renderValue shows a TOML value in a plan's details: JSON-like, `(unset)` when the key is absent. */
export function renderValue(value: unknown): string {
  if (value === undefined) return '(unset)';
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value);
}

/** compareText orders strings by code unit, as every listing in cosi does. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

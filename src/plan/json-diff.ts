/**
 * jsonDetails says what a JSON file's content change is, key by key, for a plan's details: what an operator needs
 * to review (`~ plugins[0].bridge: "cni0" -> "cni1"`, `+ plugins[1].type: "portmap"`), never the provider's own data.
 * Arrays of plain values are one value; arrays holding objects are walked by index. With `before` undefined (no
 * file, or not JSON) every key of `after` is listed as added. At most `max` lines, then how many more. Pure.
 */
export function jsonDetails(before: unknown, after: unknown, max = 30): string[] {
  const old = before === undefined ? new Map<string, string>() : leaves(before);
  const now = leaves(after);
  const lines: string[] = [];
  for (const [path, value] of now) {
    const was = old.get(path);
    if (was === undefined) lines.push(`+ ${path}: ${value}`);
    else if (was !== value) lines.push(`~ ${path}: ${was} -> ${value}`);
  }
  for (const [path, value] of old) if (!now.has(path)) lines.push(`- ${path}: ${value}`);
  return lines.length > max ? [...lines.slice(0, max), `... and ${lines.length - max} more`] : lines;
}

function isPlain(value: unknown): boolean {
  return value === null || typeof value !== 'object';
}

/** leaves flattens a JSON value to path -> rendered value, keys in sorted order. */
function leaves(value: unknown, path = '', out = new Map<string, string>()): Map<string, string> {
  if (Array.isArray(value)) {
    if (value.length === 0 || value.every(isPlain)) out.set(path || '(value)', JSON.stringify(value));
    else value.forEach((item, i) => leaves(item, `${path}[${i}]`, out));
  } else if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    if (keys.length === 0) out.set(path || '(value)', '{}');
    for (const key of keys)
      leaves(
        (value as Record<string, unknown>)[key],
        /^[A-Za-z_$][\w$-]*$/.test(key) ? (path ? `${path}.${key}` : key) : `${path}[${JSON.stringify(key)}]`,
        out,
      );
  } else {
    out.set(path || '(value)', JSON.stringify(value));
  }
  return out;
}

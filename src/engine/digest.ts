import * as crypto from 'node:crypto';

/**
 * canonicalJson renders a JSON value with object keys sorted at every level, so equal values render equally: the
 * text of `JSON.stringify` over a copy with sorted keys, written directly (a plan renders one per change, and the
 * copies cost more than the rendering). Every non-array object renders by its own enumerable keys, `toJSON` not
 * consulted; digests kept in state files depend on this text, so it must not change.
 */
export function canonicalJson(value: unknown): string {
  return omitted(value) ? (undefined as unknown as string) : render(value);
}

/** omitted tells the values JSON.stringify leaves out of objects (and writes as null in arrays). */
function omitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

function render(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (i > 0) out += ',';
      out += omitted(item) ? 'null' : render(item);
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  let out = '{';
  for (const key of Object.keys(record).sort()) {
    const item = record[key];
    if (omitted(item)) continue;
    if (out.length > 1) out += ',';
    out += `${JSON.stringify(key)}:${render(item)}`;
  }
  return `${out}}`;
}

/** sortKeys returns a JSON value with object keys sorted at every level (for files written in a stable order). */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** digest is a short sha256 of a value's canonical JSON, used as a fingerprint of probed state. */
export function digest(value: unknown): string {
  const text = canonicalJson(value) ?? 'undefined';
  // crypto.hash (Node 20.12) hashes in one call, without a Hash object per digest; a plan makes one per change.
  return (oneShot ? oneShot('sha256', text, 'hex') : crypto.createHash('sha256').update(text).digest('hex')).slice(
    0,
    32,
  );
}

const oneShot = (crypto as {hash?: (algorithm: string, data: string, encoding: 'hex') => string}).hash;

import {createHash} from 'node:crypto';

/** canonicalJson renders a JSON value with object keys sorted, so equal values render equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

/** sortKeys returns a JSON value with object keys sorted at every level. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value as object).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]));
  }
  return value;
}

/** digest is a short sha256 of a value's canonical JSON, used as a fingerprint of probed state. */
export function digest(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value) ?? 'undefined').digest('hex').slice(0, 32);
}

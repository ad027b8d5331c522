import {safeUnitName} from '../../../names/unit-name.js';

/**
 * heldRequests is where cosi's policy-rc.d records what maintainer scripts asked for while it held them: one
 * `ID ACTION` line per request (invoke-rc.d passes an init script's name, deb-systemd-invoke a unit's).
 */
export const heldRequests = '/var/lib/cosi/policy-rc.d.requests';

/** heldRequestsMaxBytes bounds what cosi reads of the file: a transaction asks for a few lines. */
export const heldRequestsMaxBytes = 64 * 1024;

/** maxUnits bounds how many units one transaction may owe restarts of. */
const maxUnits = 256;

const actions = new Set(['start', 'restart', 'reload', 'force-reload', 'try-restart']);

/**
 * parseHeldRequests reads the policy-rc.d record, which is under the node's root and hostile: only lines of exactly
 * `ID ACTION`, with a start-like action and a safe unit name, count; the rest (junk, options, names with `..` or a
 * leading `-`, control characters, lines beyond the size bound) is skipped. Returns the distinct units, sorted,
 * at most 256. Pure.
 */
export function parseHeldRequests(text: string): string[] {
  const units = new Set<string>();
  for (const line of text.slice(0, heldRequestsMaxBytes).split('\n')) {
    const m = /^([^\s]+) ([a-z-]+)$/.exec(line);
    if (!m || !actions.has(m[2]!)) continue;
    const unit = safeUnitName(m[1]!);
    if (unit && units.size < maxUnits) units.add(unit);
  }
  return [...units].sort();
}

import type {Change} from '../plan/change.js';
import {canonicalJson, digest} from './digest.js';
import type {CosiState} from './state.js';

/** DriftCause says why a resource differs: `node` (changed behind cosi's back) or `document` (not applied yet). */
export type DriftCause = 'node' | 'document';

/**
 * driftCause tells a node changed behind cosi's back from a document not applied yet, for one planned change: the
 * node drifted when cosi manages the resource and the document wants exactly what it wanted when cosi last applied
 * it (the record's `wanted` digest equals the digest of the change's `after`), so only the node can have moved;
 * otherwise the document changed (or names something cosi never applied: a create, or a delete of a resource that
 * left the document). A change whose planner knows the cause better (`cause`: a line cosi did not write in one of its
 * own files, which no record shows) says so itself. Records written before `wanted` existed compare `applied` with
 * `after`. Pure.
 */
export function driftCause(state: CosiState, change: Change): DriftCause {
  if (change.cause !== undefined) return change.cause;
  if (change.action === 'create' || change.action === 'delete') return 'document';
  const record = state.resources[change.address];
  if (!record || record.applied === null || record.applied === undefined) return 'document';
  if (record.wanted !== undefined) return record.wanted === digest(change.after ?? null) ? 'node' : 'document';
  return canonicalJson(record.applied) === canonicalJson(change.after) ? 'node' : 'document';
}

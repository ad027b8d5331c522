import {payload} from '../../plan/change.js';
import {appliedRecord} from '../../engine/state.js';
import {applyFileChange} from '../shared/file-change.js';
import type {ApplyOutcome, ApplyRequest} from '../../engine/provider.js';
import type {RuntimeChangeData} from './change-data.js';

/**
 * applyRuntime carries out one planned runtime change: keeps the original file under /var/lib/cosi/backups before
 * the first write (never overwriting an earlier backup), writes the new content atomically (only when it differs),
 * or on delete restores the file and drops the backup. Idempotent.
 */
export async function applyRuntime({host, change, state}: ApplyRequest<RuntimeChangeData>): Promise<ApplyOutcome> {
  const data = payload(change);
  const previous = state.resources[change.address];
  if (change.action === 'noop') return previous ? {record: previous} : {forget: true};
  await applyFileChange(host, data);
  if (change.action === 'delete') return {forget: true};
  if (!data.record)
    throw new Error(
      `internal error: the ${change.action} of ${change.address} carries no record to keep (a bug in cosi)`,
    );
  return {
    record: appliedRecord({
      state,
      change,
      original: data.record.original,
      applied: data.record.applied,
      keepOriginal: false,
    }),
  };
}

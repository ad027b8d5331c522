import type {ApplyOutcome, ApplyRequest} from '../../engine/provider.js';
import type {RuntimeChangeData} from './change-data.js';

/**
 * applyRuntime carries out one planned runtime change: keeps the original file under /var/lib/cosi/backups before
 * the first write (never overwriting an earlier backup), writes the new content atomically (only when it differs),
 * or on delete restores the file and drops the backup. Idempotent.
 */
export async function applyRuntime({host, change, state}: ApplyRequest): Promise<ApplyOutcome> {
  const data = change.data as RuntimeChangeData;
  const previous = state.resources[change.address];
  if (change.action === 'noop') return previous ? {record: previous} : {forget: true};
  if (data.backup && (await host.readText(data.backup.path)) === undefined) await host.writeAtomic(data.backup.path, data.backup.content, {mode: 0o600});
  if (data.remove) await host.remove(data.path);
  else if (data.write !== undefined) await host.writeAtomic(data.path, data.write, {mode: 0o644});
  if (change.action === 'delete') {
    if (data.dropBackup) await host.remove(data.dropBackup);
    return {forget: true};
  }
  const now = new Date().toISOString();
  return {record: {original: data.record.original, applied: data.record.applied, since: previous?.since ?? now, updated: now}};
}

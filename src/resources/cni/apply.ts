import {payload} from '../../plan/change.js';
import {appliedRecord} from '../../engine/state.js';
import {applyFileChange} from '../shared/file-change.js';
import type {ApplyOutcome, ApplyRequest} from '../../engine/provider.js';
import type {CniNetworkChangeData} from './plan-networks.js';
import type {CniPluginChangeData} from './plan-plugins.js';

/**
 * applyCniPlugin checks, after the packages of the plan, that a plugin binary is now executable in one of its
 * directories. It writes nothing and keeps no state (cosi installs no binaries); a missing binary fails the apply.
 */
export async function applyCniPlugin({host, change}: ApplyRequest<CniPluginChangeData>): Promise<ApplyOutcome> {
  const data = payload(change);
  if (change.action === 'noop') return {forget: true};
  for (const dir of data.dirs) {
    const info = await host.stat(`${dir}/${data.name}`);
    if (info?.isFile() && (info.mode & 0o111) !== 0) return {forget: true};
  }
  throw new Error(
    `CNI plugin ${data.name} is still not an executable file in ${data.dirs.join(' or ')} after the plan's packages`,
  );
}

/**
 * applyCniNetwork writes a network's canonical file atomically (only when its bytes differ), after keeping the file
 * it replaces (or, with `exclusive`, removes) under /var/lib/cosi/backups; on delete puts back what cosi found and
 * drops the backup. Idempotent.
 */
export async function applyCniNetwork({
  host,
  change,
  state,
}: ApplyRequest<CniNetworkChangeData>): Promise<ApplyOutcome> {
  const data = payload(change);
  const previous = state.resources[change.address];
  if (change.action === 'noop') return previous ? {record: previous} : {forget: true};
  await applyFileChange(host, data);
  if (change.action === 'delete') return {forget: true};
  return {record: appliedRecord({state, change, original: data.original})};
}

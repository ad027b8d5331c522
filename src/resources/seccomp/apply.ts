import {payload} from '../../plan/change.js';
import {appliedRecord} from '../../engine/state.js';
import type {ApplyOutcome, ApplyRequest} from '../../engine/provider.js';
import type {Host} from '../../host/host.js';
import {checkContainment} from './containment.js';
import type {SeccompChangeData} from './plan.js';

/**
 * applySeccomp carries out one planned profile change: writes the canonical file atomically (only when its bytes
 * differ), or on delete puts back the file cosi found or removes it. The path is checked again right before
 * writing, so a link planted after the plan cannot redirect the write. Idempotent.
 */
export async function applySeccomp({host, change, state}: ApplyRequest<SeccompChangeData>): Promise<ApplyOutcome> {
  const data = payload(change);
  await guard(host, data.dir, data.relative);
  if (change.action === 'delete') {
    await putBack(host, data.path, data.restore);
    return {forget: true};
  }
  if (data.write === undefined)
    throw new Error(`internal error (this is a bug in cosi): no content planned for ${change.address}`);
  await host.writeAtomic(data.path, data.write, {mode: 0o644});
  if (data.release) {
    await guard(host, data.release.dir, data.release.path.slice(data.release.dir.replace(/\/+$/, '').length + 1));
    await putBack(host, data.release.path, data.release.restore);
  }
  // A profile moved to another seccomp root takes what cosi found at its new place as its original.
  return {record: appliedRecord({state, change, original: data.original, keepOriginal: !data.release})};
}

async function guard(host: Host, dir: string, relative: string): Promise<void> {
  const containment = await checkContainment(host, dir, relative);
  if (!containment.ok) throw new Error(`refusing to write seccomp profile ${relative}: ${containment.reason}`);
}

async function putBack(host: Host, path: string, content: string | undefined): Promise<void> {
  if (content === undefined) await host.remove(path);
  else await host.writeAtomic(path, content, {mode: 0o644});
}

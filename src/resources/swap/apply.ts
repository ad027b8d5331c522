import {payload} from '../../plan/change.js';
import {appliedRecord} from '../../engine/state.js';
import type {ApplyOutcome, ApplyRequest} from '../../engine/provider.js';
import {describeFailure, type CommandRequest} from '../../host/command.js';
import type {Host} from '../../host/host.js';
import type {SwapChangeData} from './plan.js';
import type {SwapApplied} from './record.js';
import {parseProcSwaps} from './swap-files.js';

async function run(host: Host, argv: string[]): Promise<void> {
  const request: CommandRequest = {argv, timeoutMs: 10 * 60_000};
  const result = await host.run(request);
  if (result.exitCode !== 0) throw new Error(describeFailure(request, result));
}

/**
 * applySwap carries out the planned swap change: masks first (so that nothing turns swap on again in between), then
 * one `swapoff` for every active swap (pages move back to memory: this can take a while, and fails when memory is
 * short); or, on removal, `systemctl unmask` and `systemctl start` of the units that were on. Each step is a no-op
 * when already done, so applying again is safe.
 */
export async function applySwap({host, change, state}: ApplyRequest<SwapChangeData>): Promise<ApplyOutcome> {
  const data = payload(change);
  if (data.mask.length > 0) await run(host, ['systemctl', 'mask', '--', ...data.mask]);
  if (data.swapoff.length > 0) {
    const active = new Set(parseProcSwaps((await host.readText('/proc/swaps')) ?? '').map((a) => a.path));
    const still = data.swapoff.filter((path) => active.has(path));
    if (still.length > 0) await run(host, ['swapoff', '--', ...still]);
  }
  if (data.unmask.length > 0) await run(host, ['systemctl', 'unmask', '--', ...data.unmask]);
  if (data.start.length > 0 && data.systemd) await run(host, ['systemctl', 'start', '--', ...data.start]);
  if (change.action === 'delete') return {forget: true};
  const previous = state.resources[change.address];
  const masked = [
    ...new Set([...((previous?.applied as SwapApplied | null | undefined)?.masked ?? []), ...data.mask]),
  ].sort();
  return {
    record: appliedRecord({
      state,
      change,
      original: data.original ?? null,
      applied: {enabled: false, masked} satisfies SwapApplied,
    }),
  };
}

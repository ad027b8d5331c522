import type {ApplyOutcome, ApplyRequest} from '../../engine/provider.js';
import {describeFailure} from '../../host/command.js';
import type {Host} from '../../host/host.js';
import type {ServiceChangeData} from './plan.js';

async function systemctl(host: Host, ...args: string[]): Promise<void> {
  const request = {argv: ['systemctl', ...args], timeoutMs: 5 * 60_000};
  const result = await host.run(request);
  if (result.exitCode !== 0) throw new Error(describeFailure(request, result));
}

/**
 * applyService carries out one planned unit change: `systemctl enable|disable`, then `start|stop`, then an owed
 * restart (`try-restart`: only a running unit restarts; skipped when this change just started it, or when systemd
 * does not run in the root). Idempotent.
 */
export async function applyService({host, change, state}: ApplyRequest): Promise<ApplyOutcome> {
  const data = change.data as ServiceChangeData;
  const previous = state.resources[change.address];
  const systemd = (await host.stat('/run/systemd/system'))?.isDirectory() === true;
  if (change.action !== 'noop' && systemd) {
    if (data.enable !== undefined) await systemctl(host, data.enable ? 'enable' : 'disable', '--', data.unit);
    if (data.start !== undefined) await systemctl(host, data.start ? 'start' : 'stop', '--', data.unit);
    if (data.restart && data.start !== true) await systemctl(host, 'try-restart', '--', data.unit);
  }
  if (change.action === 'delete') return {forget: true};
  if (change.action === 'noop' || (data.enable === undefined && data.start === undefined)) return previous ? {record: previous} : {forget: true};
  const now = new Date().toISOString();
  return {record: {original: previous?.original ?? data.original ?? null, applied: change.after, since: previous?.since ?? now, updated: now}};
}

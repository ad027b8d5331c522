import {payload} from '../../plan/change.js';
import {appliedRecord} from '../../engine/state.js';
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
 * booting tells whether systemd is still bringing the node up (`systemctl is-system-running` says `initializing` or
 * `starting`): cosi-apply.service runs then, ordered before the runtime and the kubelet, whose start jobs wait for it.
 * A blocking `systemctl start` of such a unit would wait for cosi while cosi waits for it. Asked once per host (one
 * apply), however many units start.
 */
function booting(host: Host): Promise<boolean> {
  let answer = bootingByHost.get(host);
  if (!answer) {
    answer = host
      .run({argv: ['systemctl', 'is-system-running'], timeoutMs: 30_000})
      .then((r) => /^(initializing|starting)\b/.test(r.stdout.trim()));
    bootingByHost.set(host, answer);
  }
  return answer;
}
const bootingByHost = new WeakMap<Host, Promise<boolean>>();

/** unitVerb is the one `systemctl` verb a change needs after enable/disable, if any. */
function unitVerb(data: ServiceChangeData): 'start' | 'restart' | 'stop' | 'try-restart' | undefined {
  if (data.start === true) return data.restart ? 'restart' : 'start';
  if (data.start === false) return 'stop';
  return data.restart ? 'try-restart' : undefined;
}

/**
 * applyService carries out one planned unit change: `systemctl enable|disable`, then `start|stop`, then an owed
 * restart. A unit to be started that is also owed a restart gets `systemctl restart` (a package's installation may
 * have started it with the old configuration already); a restart alone is `try-restart` (only a running unit
 * restarts). During boot, starts and restarts are queued (`--no-block`) and systemd runs them in unit order. Nothing
 * runs when systemd does not run in the root. Idempotent.
 */
export async function applyService({host, change, state}: ApplyRequest<ServiceChangeData>): Promise<ApplyOutcome> {
  const data = payload(change);
  const previous = state.resources[change.address];
  const systemd = (await host.stat('/run/systemd/system'))?.isDirectory() === true;
  let queued: string | undefined;
  if (change.action !== 'noop' && systemd) {
    if (data.enable !== undefined) await systemctl(host, data.enable ? 'enable' : 'disable', '--', data.unit);
    const verb = unitVerb(data);
    if (verb) {
      const boot = verb !== 'stop' && (await booting(host));
      await systemctl(host, verb, ...(boot ? ['--no-block'] : []), '--', data.unit);
      if (boot)
        queued = `${verb} of ${data.unit} queued with systemd: the node is booting, and the unit starts after cosi-apply ends`;
    }
  }
  const extra = queued ? {queued} : {};
  if (change.action === 'delete') return {forget: true, ...extra};
  if (change.action === 'noop' || (data.enable === undefined && data.start === undefined))
    return previous ? {record: previous, ...extra} : {forget: true, ...extra};
  return {record: appliedRecord({state, change, original: data.original ?? null}), ...extra};
}

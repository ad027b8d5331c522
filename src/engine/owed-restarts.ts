import type {Change} from '../plan/change.js';
import {restartDisruption, restartedUnit} from '../plan/disruption.js';
import {digest} from './digest.js';

/**
 * OwedRestart is the part of a `service.<unit>` change's `data` that says the unit must restart once, after the
 * changes that owe it (`causes`). The service provider's apply carries it out (`systemctl try-restart`, skipped
 * when the same change starts the unit).
 */
export interface OwedRestart {
  readonly unit: string;
  readonly causes: readonly string[];
}

/** serviceAddress is the address of a systemd unit: `service.kubelet` for kubelet.service, `service.x.timer` for x.timer. */
export function serviceAddress(unit: string): string {
  return `service.${unit.replace(/\.service$/, '')}`;
}

// Units that others run on: restarting the runtime before the kubelet keeps the kubelet from seeing it go away twice.
const restartOrder = ['containerd.service', 'crio.service', 'kubelet.service'];

/**
 * addOwedRestarts is the post-planning step that turns disruptions into work. Providers plan alone: a runtime config
 * change or a package upgrade only says, in its `disruption`, that `restart:<unit>` is owed. This step collects the
 * owed restarts of the whole plan and gives each unit exactly one `service.<unit>` change that depends on every
 * change that owes it, so the restart runs once, after all its causes (the kind order puts services late; the
 * dependency order puts runtimes before the kubelet). When the plan already changes that unit (enable, start), the
 * restart is merged into that change; a `noop` for it becomes the restart. Pure.
 */
export function addOwedRestarts(changes: readonly Change[]): Change[] {
  const owed = new Map<string, Change[]>();
  for (const change of changes) {
    if (change.action === 'noop' || change.kind === 'service') continue;
    const unit = restartedUnit(change.disruption);
    if (unit) owed.set(unit, [...(owed.get(unit) ?? []), change]);
  }
  if (owed.size === 0) return [...changes];
  const out = [...changes];
  const units = [...owed.keys()];
  for (const [unit, causes] of owed) {
    const address = serviceAddress(unit);
    const addresses = causes.map((c) => c.address);
    const rank = restartOrder.indexOf(unit);
    const before = rank === -1 ? [] : units.filter((u) => restartOrder.indexOf(u) !== -1 && restartOrder.indexOf(u) < rank).map(serviceAddress);
    const restart: OwedRestart = {unit, causes: addresses};
    const reason = `restart owed by ${addresses.join(', ')}`;
    const at = out.findIndex((c) => c.address === address);
    const existing = at === -1 ? undefined : out[at]!;
    if (existing && existing.action !== 'noop') {
      out[at] = {
        ...existing,
        reason: `${existing.reason}; ${reason}`,
        disruption: restartDisruption(unit),
        dependsOn: [...new Set([...existing.dependsOn, ...addresses, ...before])],
        data: {...(existing.data as object | undefined), restart},
      };
      continue;
    }
    const change: Change = {
      address,
      kind: 'service',
      action: 'update',
      before: existing?.before ?? null,
      after: existing?.after ?? null,
      reason,
      disruption: restartDisruption(unit),
      dependsOn: [...addresses, ...before],
      inputs: digest(causes.map((c) => c.inputs)),
      data: {...(existing?.data as object | undefined), restart},
    };
    if (existing) out[at] = change;
    else out.push(change);
  }
  return out;
}

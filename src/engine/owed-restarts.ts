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
  /**
   * Set when an earlier apply owed this restart and was interrupted before carrying it out: when that apply began.
   * Its causes are then already on the node, so the restart is owed even when this plan changes nothing else.
   */
  readonly interrupted?: string;
}

/** owedRestartOf returns the restart a planned change carries (put there by `addOwedRestarts`), if any. */
export function owedRestartOf(change: Change): OwedRestart | undefined {
  if (change.kind !== 'service') return undefined;
  return (change.data as {restart?: OwedRestart} | undefined)?.restart;
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
 * restart is merged into that change; a `noop` for it becomes the restart. `interrupted` are the restarts an
 * interrupted apply owed and never carried out (`restartsOwedByInterrupted`): their causes are already on the node,
 * so each is owed here too, alone or merged with this plan's own causes, and keeps the time it was first owed.
 * Pure.
 */
export function addOwedRestarts(changes: readonly Change[], interrupted: readonly OwedRestart[] = []): Change[] {
  const owed = new Map<string, Change[]>();
  for (const change of changes) {
    if (change.action === 'noop' || change.kind === 'service') continue;
    const unit = restartedUnit(change.disruption);
    if (unit) owed.set(unit, [...(owed.get(unit) ?? []), change]);
  }
  const since = new Map<string, string>();
  for (const restart of interrupted) {
    if (restart.interrupted === undefined) continue;
    const earlier = since.get(restart.unit);
    if (earlier === undefined || restart.interrupted < earlier) since.set(restart.unit, restart.interrupted);
    if (!owed.has(restart.unit)) owed.set(restart.unit, []);
  }
  if (owed.size === 0) return [...changes];
  const out = [...changes];
  const units = [...owed.keys()];
  for (const [unit, causes] of owed) {
    const address = serviceAddress(unit);
    const addresses = causes.map((c) => c.address);
    const rank = restartOrder.indexOf(unit);
    const before =
      rank === -1
        ? []
        : units.filter((u) => restartOrder.indexOf(u) !== -1 && restartOrder.indexOf(u) < rank).map(serviceAddress);
    const at = since.get(unit);
    const restart: OwedRestart = {unit, causes: addresses, ...(at !== undefined ? {interrupted: at} : {})};
    const reason = [
      ...(addresses.length > 0 ? [`restart owed by ${addresses.join(', ')}`] : []),
      ...(at !== undefined ? [`restart owed by an interrupted apply (${at})`] : []),
    ].join('; ');
    const inputs =
      at === undefined
        ? digest(causes.map((c) => c.inputs))
        : digest({causes: causes.map((c) => c.inputs), interrupted: at});
    const index = out.findIndex((c) => c.address === address);
    const existing = index === -1 ? undefined : out[index]!;
    if (existing && existing.action !== 'noop') {
      out[index] = {
        ...existing,
        reason: `${existing.reason}; ${reason}`,
        disruption: restartDisruption(unit),
        dependsOn: [...new Set([...existing.dependsOn, ...addresses, ...before])],
        ...(at !== undefined ? {inputs: digest({inputs: existing.inputs, interrupted: at})} : {}),
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
      inputs,
      data: {...(existing?.data as object | undefined), restart},
    };
    if (existing) out[index] = change;
    else out.push(change);
  }
  return out;
}

import {digest} from '../../engine/digest.js';
import {type OwedTarget, type OwedWorkPerformer, type PlanOwedRequest} from '../../engine/owed-work.js';
import type {Change} from '../../plan/change.js';
import {restartDisruption} from '../../plan/disruption.js';
import type {OwedRecord} from '../../plan/owed-work.js';
import {runtimeUnits} from './runtime-units.js';
import {isUnitName} from '../../names/unit-name.js';
import {serviceAddress} from './service-address.js';

/**
 * OwedRestart is the part of a `service.<unit>` change's `data` that says the unit must restart once, after the
 * changes that owe it (`causes`); it is also the change's `carriesOut`, the journal's record. The service provider's
 * apply carries it out (`systemctl try-restart`, skipped when the same change starts the unit).
 */
export interface OwedRestart extends OwedRecord {
  readonly unit: string;
  readonly causes: readonly string[];
  /**
   * Set when an earlier apply owed this restart and was interrupted before carrying it out: when that apply began.
   * Its causes are then already on the node, so the restart is owed even when this plan changes nothing else.
   */
  readonly interrupted?: string;
}

const order: readonly string[] = runtimeUnits;

/**
 * planOwedRestarts gives each unit owed a restart exactly one `service.<unit>` change that depends on every change
 * that owes it, so the restart runs once, after all its causes (the kind order puts services late; the dependency
 * order puts runtimes before the kubelet, `runtimeUnits`). When the plan already changes that unit (enable, start),
 * the restart is merged into that change; a `noop` for it becomes the restart. A restart an interrupted apply owed
 * keeps the time it was first owed. Pure.
 */
export function planOwedRestarts({owed, changes}: PlanOwedRequest): Change[] {
  const units = owed.map((o) => o.target);
  return owed.map((o) => restartChange(o, units, changes));
}

function restartChange(
  {target: unit, causes, interrupted: at}: OwedTarget,
  units: readonly string[],
  changes: readonly Change[],
): Change {
  const address = serviceAddress(unit);
  const addresses = causes.map((c) => c.address);
  const rank = order.indexOf(unit);
  const before =
    rank === -1 ? [] : units.filter((u) => order.indexOf(u) !== -1 && order.indexOf(u) < rank).map(serviceAddress);
  const restart: OwedRestart = {unit, causes: addresses, ...(at !== undefined ? {interrupted: at} : {})};
  const reason = [
    ...(addresses.length > 0 ? [`restart owed by ${addresses.join(', ')}`] : []),
    ...(at !== undefined ? [`restart owed by an interrupted apply (${at})`] : []),
  ].join('; ');
  const inputs =
    at === undefined
      ? digest(causes.map((c) => c.inputs))
      : digest({causes: causes.map((c) => c.inputs), interrupted: at});
  const existing = changes.find((c) => c.address === address);
  if (existing && existing.action !== 'noop') {
    return {
      ...existing,
      reason: `${existing.reason}; ${reason}`,
      disruption: restartDisruption(unit),
      dependsOn: [...new Set([...existing.dependsOn, ...addresses, ...before])],
      ...(at !== undefined ? {inputs: digest({inputs: existing.inputs, interrupted: at})} : {}),
      data: {...(existing.data as object | undefined), restart},
      carriesOut: restart,
    };
  }
  return {
    address,
    kind: 'service',
    action: 'update',
    before: existing?.before ?? null,
    after: existing?.after ?? null,
    reason,
    disruption: restartDisruption(unit),
    dependsOn: [...addresses, ...before],
    inputs,
    // A unit the document does not declare has no change of its own: the data names it (ServiceChangeData.unit).
    data: {unit, ...(existing?.data as object | undefined), restart},
    carriesOut: restart,
  };
}

/** restartPerformer is the service provider's capability to carry out owed `restart`s of units. */
export const restartPerformer: OwedWorkPerformer = {
  work: 'restart',
  planOwed: planOwedRestarts,
  journaled(record) {
    const unit = (record as {unit?: unknown}).unit;
    return typeof unit === 'string' && isUnitName(unit) ? {target: unit, address: serviceAddress(unit)} : undefined;
  },
};

import type {Change} from '../../plan/change.js';
import {requirements, summarize, type Plan} from '../../plan/plan.js';

/** changeJson is the public JSON form of a change (SPEC §4); the provider's private payload is left out. */
export function changeJson(change: Change): Record<string, unknown> {
  return {
    address: change.address,
    kind: change.kind,
    action: change.action,
    before: change.before ?? null,
    after: change.after ?? null,
    reason: change.reason,
    disruption: change.disruption,
    dependsOn: change.dependsOn,
    ...(change.details ? {details: change.details} : {}),
  };
}

/** planJson is the `--json` form of a plan: one object with `formatVersion: "1"`. */
export function planJson(plan: Plan, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    formatVersion: '1',
    type: 'plan',
    ...extra,
    changes: plan.changes.map(changeJson),
    summary: summarize(plan.changes),
    requires: requirements(plan.changes),
    notSurvivingReboot: plan.bootNotes,
    conditions: plan.conditions,
    unsupported: plan.unsupported,
    fingerprint: plan.fingerprint,
    diagnostics: plan.diagnostics,
  };
}

import {driftCause} from '../../engine/drift-cause.js';
import type {CosiState} from '../../engine/state.js';
import {requirements, type Plan} from '../../plan/plan.js';

/** DriftDifference is one drifted resource and why it differs. */
export interface DriftDifference {
  readonly address: string;
  readonly kind: string;
  /** `node`: changed behind cosi's back; `document`: the document changed and was not applied yet. */
  readonly cause: 'node' | 'document';
}

/** driftDifferences is each change of a plan as a drifted resource, with its cause from cosi's state. Pure. */
export function driftDifferences(plan: Plan, state: CosiState): DriftDifference[] {
  return plan.changes.map((c) => ({address: c.address, kind: c.kind, cause: driftCause(state, c)}));
}

/**
 * renderDriftMetrics renders node_exporter textfile-collector metrics for one drift run: drifted resources by
 * kind and cause, the conditions of the plan (not drift), the run's time, the last successful apply, whether a reboot is owed, and whether the probe worked.
 */
export function renderDriftMetrics(request: {
  plan?: Plan;
  differences: readonly DriftDifference[];
  now: Date;
  lastApply?: {at: string; ok: boolean};
  ok: boolean;
}): string {
  const counts = new Map<string, number>();
  for (const d of request.differences)
    counts.set(`kind="${d.kind}",cause="${d.cause}"`, (counts.get(`kind="${d.kind}",cause="${d.cause}"`) ?? 0) + 1);
  const lines = [
    '# HELP cosi_drift_resources Resources that differ from the cosi document, by kind and cause (node: changed behind cosi; document: not applied yet).',
    '# TYPE cosi_drift_resources gauge',
    ...[...counts].sort().map(([labels, n]) => `cosi_drift_resources{${labels}} ${n}`),
    '# HELP cosi_drift_total Resources that differ from the cosi document.',
    '# TYPE cosi_drift_total gauge',
    `cosi_drift_total ${request.differences.length}`,
    '# HELP cosi_condition Conditions cosi reports and cannot change (a CSI driver not running, a CNI plugin another component has not installed yet), one series per condition; they are not drift.',
    '# TYPE cosi_condition gauge',
    ...(request.plan?.conditions ?? []).map(
      (c) => `cosi_condition{kind="${c.kind}",address="${escapeLabel(c.address)}",type="${c.type}"} 1`,
    ),
    '# HELP cosi_conditions_total Conditions cosi reports and cannot change.',
    '# TYPE cosi_conditions_total gauge',
    `cosi_conditions_total ${request.plan?.conditions.length ?? 0}`,
    '# HELP cosi_drift_success Whether the last drift run could probe and plan (1) or failed (0).',
    '# TYPE cosi_drift_success gauge',
    `cosi_drift_success ${request.ok ? 1 : 0}`,
    '# HELP cosi_drift_last_run_timestamp_seconds When drift last ran.',
    '# TYPE cosi_drift_last_run_timestamp_seconds gauge',
    `cosi_drift_last_run_timestamp_seconds ${Math.floor(request.now.getTime() / 1000)}`,
  ];
  if (request.lastApply?.ok) {
    lines.push(
      '# HELP cosi_last_successful_apply_timestamp_seconds When cosi apply last completed successfully.',
      '# TYPE cosi_last_successful_apply_timestamp_seconds gauge',
      `cosi_last_successful_apply_timestamp_seconds ${Math.floor(Date.parse(request.lastApply.at) / 1000)}`,
    );
  }
  const reboot = request.plan ? requirements(request.plan.changes).reboot : false;
  lines.push(
    '# HELP cosi_reboot_required Whether pending changes need a reboot to take effect.',
    '# TYPE cosi_reboot_required gauge',
    `cosi_reboot_required ${reboot ? 1 : 0}`,
  );
  return lines.join('\n') + '\n';
}

/** escapeLabel escapes a Prometheus label value (backslash, double quote, newline). */
function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

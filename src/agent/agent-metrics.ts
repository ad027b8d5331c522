import {renderDriftMetrics, type DriftDifference} from '../cli/render/drift-metrics.js';
import type {Plan} from '../plan/plan.js';

/** ApplyOutcomeName is how one apply by the agent ended. */
export type ApplyOutcomeName = 'ok' | 'failed' | 'stopped';

/**
 * AgentMetrics keeps what `/metrics` reports: the drift metrics of the last reconcile (the names `cosi drift
 * --textfile` writes), and the agent's own: reconciles and applies by result, their durations, changes applied,
 * changes held back because they owe a reboot.
 */
export class AgentMetrics {
  #plan: Plan | undefined;
  #differences: readonly DriftDifference[] = [];
  #ok = false;
  #at = new Date(0);
  #lastApply: {at: string; ok: boolean} | undefined;
  readonly #reconciles = {ok: 0, failed: 0};
  readonly #applies: Record<ApplyOutcomeName, number> = {ok: 0, failed: 0, stopped: 0};
  #reconcileSeconds = {sum: 0, count: 0, last: 0};
  #applySeconds = {sum: 0, count: 0, last: 0};
  #changesApplied = 0;
  #rebootHeld = 0;

  /** reconciled records one reconcile: its plan (after any apply) and drift, or its failure. */
  reconciled(request: {
    ok: boolean;
    seconds: number;
    plan?: Plan;
    differences?: readonly DriftDifference[];
    at: Date;
  }): void {
    this.#ok = request.ok;
    this.#at = request.at;
    this.#reconciles[request.ok ? 'ok' : 'failed']++;
    this.#reconcileSeconds = add(this.#reconcileSeconds, request.seconds);
    if (request.plan) {
      this.#plan = request.plan;
      this.#differences = request.differences ?? [];
    }
  }

  /** applied records one apply. */
  applied(outcome: ApplyOutcomeName, seconds: number, changes: number, at: Date): void {
    this.#applies[outcome]++;
    this.#applySeconds = add(this.#applySeconds, seconds);
    this.#changesApplied += changes;
    this.#lastApply = {at: at.toISOString(), ok: outcome === 'ok'};
  }

  /** heldForReboot records how many planned changes the last reconcile did not apply because they owe a reboot. */
  heldForReboot(count: number): void {
    this.#rebootHeld = count;
  }

  /** render is the Prometheus text exposition. */
  render(): string {
    const drift = renderDriftMetrics({
      ...(this.#plan ? {plan: this.#plan} : {}),
      differences: this.#differences,
      now: this.#at,
      ...(this.#lastApply ? {lastApply: this.#lastApply} : {}),
      ok: this.#ok,
    });
    const lines = [
      '# HELP cosi_agent_reconciles_total Reconciles by the agent, by result.',
      '# TYPE cosi_agent_reconciles_total counter',
      `cosi_agent_reconciles_total{result="ok"} ${this.#reconciles.ok}`,
      `cosi_agent_reconciles_total{result="failed"} ${this.#reconciles.failed}`,
      ...summary(
        'cosi_agent_reconcile_duration_seconds',
        'How long reconciles took (probe, plan, apply, probe).',
        this.#reconcileSeconds,
      ),
      '# HELP cosi_agent_applies_total Applies by the agent, by result.',
      '# TYPE cosi_agent_applies_total counter',
      ...(['ok', 'failed', 'stopped'] as const).map(
        (r) => `cosi_agent_applies_total{result="${r}"} ${this.#applies[r]}`,
      ),
      ...summary('cosi_agent_apply_duration_seconds', 'How long applies took.', this.#applySeconds),
      '# HELP cosi_agent_changes_applied_total Changes the agent carried out.',
      '# TYPE cosi_agent_changes_applied_total counter',
      `cosi_agent_changes_applied_total ${this.#changesApplied}`,
      '# HELP cosi_agent_changes_held_for_reboot Planned changes the agent does not apply because they owe a reboot.',
      '# TYPE cosi_agent_changes_held_for_reboot gauge',
      `cosi_agent_changes_held_for_reboot ${this.#rebootHeld}`,
      '# HELP cosi_agent_last_reconcile_success Whether the last reconcile could probe, plan and apply (1) or failed (0).',
      '# TYPE cosi_agent_last_reconcile_success gauge',
      `cosi_agent_last_reconcile_success ${this.#ok ? 1 : 0}`,
    ];
    return drift + lines.join('\n') + '\n';
  }
}

function add(s: {sum: number; count: number; last: number}, seconds: number) {
  return {sum: s.sum + seconds, count: s.count + 1, last: seconds};
}

function summary(name: string, help: string, s: {sum: number; count: number; last: number}): string[] {
  return [
    `# HELP ${name} ${help}`,
    `# TYPE ${name} summary`,
    `${name}_sum ${s.sum.toFixed(6)}`,
    `${name}_count ${s.count}`,
    `# HELP ${name.replace(/_seconds$/, '_last_seconds')} How long the last one took.`,
    `# TYPE ${name.replace(/_seconds$/, '_last_seconds')} gauge`,
    `${name.replace(/_seconds$/, '_last_seconds')} ${s.last.toFixed(6)}`,
  ];
}

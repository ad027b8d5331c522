import type {Diagnostic} from '../diag/diagnostic.js';
import type {Action} from './action.js';
import type {BootNote, Change} from './change.js';
import type {Condition} from './condition.js';

/** PlanSummary counts changes per action. */
export type PlanSummary = Record<Exclude<Action, 'noop'>, number>;

/**
 * Plan is the ordered result of comparing the desired state with the probed node. Pure data: rendering and saving
 * are elsewhere. `changes` holds only real changes, in apply order; `noops` the resources already as desired.
 */
export interface Plan {
  readonly changes: readonly Change[];
  readonly noops: readonly Change[];
  readonly bootNotes: readonly BootNote[];
  /** States of the node that cosi reports and cannot change (a CSI driver not running yet): never changes. */
  readonly conditions: readonly Condition[];
  readonly diagnostics: readonly Diagnostic[];
  /** Document sections that this version of cosi cannot plan yet (never silently ignored). */
  readonly unsupported: readonly string[];
  /** Digest of the whole probed state the plan was made against. */
  readonly fingerprint: string;
}

/** summarize counts the changes of a plan per action. */
export function summarize(changes: readonly Change[]): PlanSummary {
  const summary: PlanSummary = {create: 0, update: 0, delete: 0, replace: 0};
  for (const change of changes) if (change.action !== 'noop') summary[change.action]++;
  return summary;
}

/** requirements returns what the plan owes the node beyond its changes: a reboot, unit restarts. */
export function requirements(changes: readonly Change[]): {reboot: boolean; restart: string[]} {
  const restart = new Set<string>();
  let reboot = false;
  for (const change of changes) {
    if (change.disruption === 'reboot') reboot = true;
    else if (change.disruption.startsWith('restart:')) restart.add(change.disruption.slice('restart:'.length));
  }
  return {reboot, restart: [...restart]};
}

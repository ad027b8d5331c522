// The agent's one door into apply orchestration, kept in this file so that moving to the engine's own entry points
// (applyPlan / planNode, being moved out of src/cli/commands/apply.ts) changes only this file.
import type {LoadedDocument} from '../config/load-document.js';
import {applyChanges, type ApplyListener, type ApplyResult, type StopSignal} from '../engine/apply-changes.js';
import {restartsOwedByInterrupted} from '../engine/interrupted-restarts.js';
import {journalFile, readInterrupted} from '../engine/journal.js';
import {removeLeftovers} from '../engine/leftovers.js';
import {acquireLock} from '../engine/lock.js';
import {makePlan} from '../engine/make-plan.js';
import {loadState, type CosiState} from '../engine/state.js';
import type {Host} from '../host/host.js';
import type {Change} from '../plan/change.js';
import type {Plan} from '../plan/plan.js';
import {documentSections, providers} from '../resources/registry.js';

/** NodePlan is one probe of the node planned against the document, with cosi's state it was planned from. */
export interface NodePlan {
  readonly plan: Plan;
  readonly state: CosiState;
  /** Whether a previous apply was interrupted (its journal is still there). */
  readonly interrupted: boolean;
}

/**
 * planNode probes the node (read-only) and plans the document, as `cosi plan` does: restarts an interrupted apply
 * owed are planned again, and plan diagnostics get positions in the document.
 */
export async function planNode(host: Host, document: LoadedDocument): Promise<NodePlan> {
  const state = await loadState(host);
  const interrupted = await readInterrupted(host);
  const plan = await makePlan({
    host,
    desired: document.desired,
    state,
    providers,
    sections: documentSections,
    interruptedRestarts: interrupted ? restartsOwedByInterrupted(interrupted) : [],
  });
  return {
    plan: {...plan, diagnostics: document.locator.place(plan.diagnostics, {key: true})},
    state,
    interrupted: !!interrupted,
  };
}

/** ApplyRun is what the agent asks to apply: the changes (a subset of a fresh plan), how to report, when to stop. */
export interface ApplyRun {
  readonly host: Host;
  readonly changes: readonly Change[];
  readonly state: CosiState;
  readonly interrupted: boolean;
  readonly listener?: ApplyListener;
  readonly stop: StopSignal;
  readonly lockTimeoutMs: number;
  /** Notes (what an interrupted apply left and was removed). */
  readonly note?: (message: string) => void;
}

/**
 * applyPlanned carries out changes as `cosi apply --auto-approve` does: under the node's lock, after removing what
 * an interrupted apply left; with no changes, an interrupted apply's journal is history. The lock is released
 * whatever happens; `stop` stops between two changes.
 */
export async function applyPlanned(run: ApplyRun): Promise<ApplyResult> {
  const lock = await acquireLock(run.host, run.lockTimeoutMs);
  try {
    for (const note of await removeLeftovers(run.host, providers)) run.note?.(note);
    if (run.changes.length === 0) {
      if (run.interrupted) await run.host.remove(journalFile);
      return {applied: [], state: run.state};
    }
    return await applyChanges({
      host: run.host,
      changes: run.changes,
      state: run.state,
      providers,
      ...(run.listener ? {listener: run.listener} : {}),
      stop: run.stop,
    });
  } finally {
    await lock.release();
  }
}

import {hasErrors} from '../diag/diagnostic.js';
import type {Host} from '../host/host.js';
import type {Change} from '../plan/change.js';
import type {Plan} from '../plan/plan.js';
import {applyChanges, type ApplyListener, type ApplyResult, type StopSignal} from './apply-changes.js';
import {journalFile} from './journal.js';
import {removeLeftovers} from './leftovers.js';
import {acquireLock} from './lock.js';
import {nodeId} from './node-id.js';
import {
  planNode,
  planNodeAfter,
  readInterruptedApply,
  type InterruptedApply,
  type PlanNodeRequest,
} from './plan-node.js';
import {approvalProblem, savedPlanProblem, type SavedPlan} from './saved-plan.js';

/**
 * ApplyEvent is what an apply reports as it goes, in order: the interrupted apply it takes over, the fresh plan
 * (its diagnostics and conditions to show), each leftover of an interrupted apply it removed, then each change as it
 * is carried out (see {@link ApplyListener}),
 * announced by `applying`.
 */
export type ApplyEvent =
  | {readonly type: 'interrupted'; readonly interrupted: InterruptedApply}
  | {readonly type: 'planned'; readonly plan: Plan}
  | {readonly type: 'leftover-removed'; readonly note: string}
  /** The changes are approved and about to be carried out: from here on `stop` is heard. */
  | {readonly type: 'applying'; readonly changes: readonly Change[]};

/** ApplyPlanRequest is what one apply of a document to a node needs. */
export interface ApplyPlanRequest extends PlanNodeRequest {
  /** A saved plan (`cosi plan --out`): the apply carries out the fresh plan only if it equals this approval. */
  readonly saved?: SavedPlan;
  /** How long to wait for another apply's lock, in milliseconds (0: fail at once). */
  readonly lockTimeoutMs?: number;
  /**
   * approve is asked once there are changes, after leftovers are removed and before any change is made (a
   * terminal's "yes"); without it the changes are approved.
   */
  readonly approve?: (plan: Plan) => Promise<boolean>;
  /**
   * hold picks, from the fresh plan made under the lock, the changes the caller holds back (the agent: those owing a
   * reboot, which cosi never does itself); they are not carried out, and the report names them in `held`.
   */
  readonly hold?: (plan: Plan) => readonly Change[];
  /** progress hears the apply's events (see {@link ApplyEvent}). */
  readonly progress?: (event: ApplyEvent) => void;
  /** listener hears about each change as it is carried out. */
  readonly listener?: ApplyListener;
  /** stop, once set, stops the apply before its next change (SIGTERM); the journal is kept, so the next apply resumes. */
  readonly stop?: StopSignal;
}

/**
 * ApplyReport is how an apply ended, for the caller to render:
 * - `plan-failed`: the fresh plan has errors (its diagnostics); nothing was changed;
 * - `refused`: the saved plan does not approve what the node needs now (`reason`); nothing was changed;
 * - `converged`: nothing to change (an interrupted apply's journal, if any, was ended);
 * - `held`: every change is held back by the caller's `hold` (`held`); nothing was changed;
 * - `cancelled`: `approve` said no; nothing was changed;
 * - `stopped`: the stop signal was set; `result.applied` were made, the rest remain for the next apply;
 * - `failed`: a change failed (`result.failed`); the rest were not attempted;
 * - `applied`: every change was carried out, and the node was planned again to verify them: `rebootOwed` are the
 *   changes only a reboot completes, `queued` the unit starts systemd runs later, `left` those still differing.
 */
export type ApplyReport = {
  readonly plan: Plan;
  readonly interrupted?: InterruptedApply;
  /** The changes `hold` held back (always empty without it). */
  readonly held: readonly Change[];
} & (
  | {readonly outcome: 'plan-failed' | 'converged' | 'held' | 'cancelled'}
  | {readonly outcome: 'refused'; readonly reason: string}
  | {readonly outcome: 'stopped'; readonly result: ApplyResult; readonly signal: string}
  | {readonly outcome: 'failed'; readonly result: ApplyResult & {readonly failed: NonNullable<ApplyResult['failed']>}}
  | {
      readonly outcome: 'applied';
      readonly result: ApplyResult;
      readonly rebootOwed: readonly Change[];
      readonly queued: ReadonlyMap<string, string>;
      readonly left: readonly Change[];
      /** Files written in the whole apply (verification included). */
      readonly writes: number;
    }
);

/**
 * applyPlan is the engine's apply entry point (`cosi apply`, the agent): holding the node's lock, it takes over an
 * interrupted apply (its owed work planned again), plans afresh, checks a saved plan's approval, removes what an
 * interrupted apply left, asks `approve`, carries out the changes (journaled, stoppable between two changes) and
 * plans again to verify them; the journal ends with an apply that ends, or stays for the next one to resume. Errors
 * that stop it before it starts (the lock, a damaged journal) are thrown as OperationalErrors; everything else is in
 * the report. Never prints and never exits.
 */
export async function applyPlan(request: ApplyPlanRequest): Promise<ApplyReport> {
  const {host, providers, progress} = request;
  const lock = await acquireLock(host, request.lockTimeoutMs);
  try {
    const interrupted = await readInterruptedApply(host, providers);
    if (interrupted) progress?.({type: 'interrupted', interrupted});
    const {plan, state} = await planNodeAfter(request, interrupted);
    const held = request.hold ? request.hold(plan) : [];
    const changes = plan.changes.filter((c) => !held.includes(c));
    const base = {plan, held, ...(interrupted ? {interrupted} : {})};
    progress?.({type: 'planned', plan});
    if (hasErrors(plan.diagnostics)) return {...base, outcome: 'plan-failed'};
    const refused = request.saved ? await refusal(host, request.saved, plan) : undefined;
    if (refused) return {...base, outcome: 'refused', reason: refused};
    // What an interrupted apply left (apt: cosi's policy-rc.d) goes before anything else changes.
    for (const note of await removeLeftovers(host, providers)) progress?.({type: 'leftover-removed', note});
    if (changes.length === 0) {
      // An interrupted apply that had already done everything: the node is converged, the journal is history.
      if (interrupted) await host.remove(journalFile);
      return {...base, outcome: held.length > 0 ? 'held' : 'converged'};
    }
    if (request.approve && !(await request.approve(plan))) return {...base, outcome: 'cancelled'};
    progress?.({type: 'applying', changes});
    const result = await applyChanges({
      host,
      changes,
      state,
      providers,
      ...(request.listener ? {listener: request.listener} : {}),
      ...(request.stop ? {stop: request.stop} : {}),
    });
    if (result.stopped) return {...base, outcome: 'stopped', result, signal: result.stopped};
    if (result.failed) return {...base, outcome: 'failed', result: {...result, failed: result.failed}};
    return {...base, outcome: 'applied', result, ...(await verify(request, changes, result))};
  } finally {
    await lock.release();
  }
}

/** refusal says why a saved plan does not approve the fresh plan on this node, or undefined. */
async function refusal(host: Host, saved: SavedPlan, plan: Plan): Promise<string | undefined> {
  const problem = savedPlanProblem(saved, await nodeId(host), host.root);
  if (problem) return problem;
  const refused = approvalProblem(saved, plan);
  return refused ? `${refused}; nothing was changed` : undefined;
}

/**
 * verify plans the node again after an apply and sorts what still differs among the changes made: a change that
 * owes a reboot stays in the plan until the node reboots (that is how drift reports it), not a failure; a unit start
 * queued with systemd during boot happens once cosi has ended; the rest were not achieved.
 */
async function verify(
  request: PlanNodeRequest,
  changes: readonly Change[],
  result: ApplyResult,
): Promise<{rebootOwed: Change[]; queued: ReadonlyMap<string, string>; left: Change[]; writes: number}> {
  const after = await planNode(request);
  const made = (c: Change) => changes.some((d) => d.address === c.address);
  const queued = result.queued ?? new Map<string, string>();
  return {
    rebootOwed: after.plan.changes.filter((c) => c.disruption === 'reboot' && made(c)),
    queued,
    left: after.plan.changes.filter((c) => c.disruption !== 'reboot' && !queued.has(c.address) && made(c)),
    writes: request.host.stats.writes,
  };
}

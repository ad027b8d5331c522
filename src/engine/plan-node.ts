import type {LoadedDocument} from '../config/load-document.js';
import type {Host} from '../host/host.js';
import type {OwedRecord} from '../plan/owed-work.js';
import type {Plan} from '../plan/plan.js';
import {owedByInterrupted, owedTargetNames} from './interrupted-work.js';
import {readInterrupted, type JournalEntry} from './journal.js';
import {makePlan} from './make-plan.js';
import type {Provider} from './provider.js';
import {loadState, type CosiState} from './state.js';

/** PlannedDocument is the part of a loaded document planning needs: the desired state, and where its paths are. */
export type PlannedDocument = Pick<LoadedDocument, 'desired' | 'locator'>;

/** PlanNodeRequest is what planning one node needs: the node, the document, and this cosi's providers. */
export interface PlanNodeRequest {
  readonly host: Host;
  readonly document: PlannedDocument;
  readonly providers: readonly Provider[];
  /** The spec sections this version of cosi knows of (to report the unsupported ones). */
  readonly sections: readonly string[];
}

/** InterruptedApply is what the journal of an apply that never finished says. */
export interface InterruptedApply {
  readonly entries: readonly JournalEntry[];
  /** The change that was under way (the last one started), if any. */
  readonly during?: string;
  /** The owed work it listed and never carried out, planned again. */
  readonly owed: readonly OwedRecord[];
  /** Their targets, as the performing providers name them (units), for messages. */
  readonly owedTargets: readonly string[];
}

/** NodePlan is a plan of one node, with cosi's state it was made from and the interrupted apply it took over, if any. */
export interface NodePlan {
  readonly plan: Plan;
  readonly state: CosiState;
  readonly interrupted?: InterruptedApply;
  /** What each provider's probe observed, by kind (read with {@link observedBy}); a failed probe is missing. */
  readonly observed: ReadonlyMap<string, unknown>;
}

/** observedBy is what `provider`'s probe observed for `planned`, typed as the provider's observations. */
export function observedBy<Observed>(
  planned: NodePlan,
  provider: Pick<Provider<Observed>, 'kind' | 'probe'>,
): Observed | undefined {
  return planned.observed.get(provider.kind) as Observed | undefined;
}

/**
 * readInterruptedApply reads the journal of an interrupted apply, if there is one (an OperationalError when it is
 * damaged). Read-only.
 */
export async function readInterruptedApply(
  host: Host,
  providers: readonly Provider[],
): Promise<InterruptedApply | undefined> {
  const entries = await readInterrupted(host);
  if (!entries) return undefined;
  const last = entries.filter((e) => e.event === 'start').at(-1);
  const owed = owedByInterrupted(entries, providers);
  return {
    entries,
    ...(last && 'address' in last ? {during: last.address} : {}),
    owed,
    owedTargets: owedTargetNames(owed, providers),
  };
}

/**
 * planNode is the engine's planning entry point (`cosi plan`, `cosi drift`, apply, the agent): it loads cosi's state,
 * reads the journal of an interrupted apply (whose owed work is planned again), probes the node and plans; plan
 * diagnostics get positions in the document. Read-only; never prints.
 */
export async function planNode(request: PlanNodeRequest): Promise<NodePlan> {
  return planNodeAfter(request, await readInterruptedApply(request.host, request.providers));
}

/** planNodeAfter is {@link planNode} with the interrupted apply already read from the journal (apply reads it first). */
export async function planNodeAfter(
  {host, document, providers, sections}: PlanNodeRequest,
  interrupted: InterruptedApply | undefined,
): Promise<NodePlan> {
  const state = await loadState(host);
  const observed = new Map<string, unknown>();
  const plan = await makePlan({
    host,
    desired: document.desired,
    state,
    providers,
    sections,
    interrupted: interrupted?.owed ?? [],
    onObserved: (kind, value) => observed.set(kind, value),
  });
  return {
    plan: {...plan, diagnostics: document.locator.place(plan.diagnostics, {key: true})},
    state,
    observed,
    ...(interrupted ? {interrupted} : {}),
  };
}

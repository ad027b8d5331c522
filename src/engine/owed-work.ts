import type {Change} from '../plan/change.js';
import {owedByDisruption, type OwedRecord, type OwedWork} from '../plan/owed-work.js';
import type {Provider} from './provider.js';

/**
 * OwedTarget is one target of owed work, gathered over the whole plan: the changes that owe it (in plan order; none
 * when only an interrupted apply owed it) and, when an interrupted apply owed it and never carried it out, when that
 * apply first owed it.
 */
export interface OwedTarget {
  readonly target: string;
  readonly causes: readonly Change[];
  readonly interrupted?: string;
}

/** PlanOwedRequest is what a performing provider plans its owed work from. */
export interface PlanOwedRequest {
  /** One entry per target, in the order the plan first owes them. Never empty. */
  readonly owed: readonly OwedTarget[];
  /** The whole plan so far, noops included: the provider finds its own changes for the targets here. */
  readonly changes: readonly Change[];
}

/**
 * OwedWorkPerformer is a provider's capability to carry out owed work for others (the service provider: `restart`).
 * Providers plan alone: a runtime config change only says it owes `restart` of its unit. After planning, the engine
 * collects the owed work of the whole plan (and what an interrupted apply still owed) and hands each performer the
 * targets of its `work`; the performer alone knows what a target is, how the work is done and in which order.
 */
export interface OwedWorkPerformer {
  /** The verb of owed work this provider performs (matched with {@link OwedWork.work}). */
  readonly work: string;
  /**
   * planOwed plans the owed work: it returns the changes to put into the plan, each replacing the plan's change with
   * the same address (this provider's own change for the target, or its noop) or added. Each change that carries out
   * owed work sets `carriesOut` (the journal's record) and depends on its causes. Pure.
   */
  planOwed(request: PlanOwedRequest): readonly Change[];
  /**
   * journaled reads back a record of owed work from an interrupted apply's journal: the target and the address of
   * the change that carries it out, or undefined when the record is not this performer's (or not valid: the journal
   * is input from the node, and the target reaches a command line).
   */
  journaled(record: OwedRecord): {readonly target: string; readonly address: string} | undefined;
}

/** OwedWorkProvider is the part of a provider that owed work concerns. */
export type OwedWorkProvider = Pick<Provider, 'kind' | 'owes' | 'performs'>;

/**
 * owedWorkOf is the work a planned change owes: what its provider's `owes` says, or by default what its disruption
 * says (`restart:<unit>` owes `restart`). A noop owes nothing. Pure.
 */
function owedWorkOf(change: Change, provider: OwedWorkProvider | undefined): readonly OwedWork[] {
  if (change.action === 'noop') return [];
  return provider?.owes ? provider.owes(change) : owedByDisruption(change.disruption);
}

/**
 * addOwedWork is the post-planning step that turns owed work into changes: for each provider that performs work, it
 * gathers the targets the plan's changes owe it (each with all its causes) and those an interrupted apply owed and
 * never carried out (`owedByInterrupted`: their causes are already on the node, so each is owed here too, alone or
 * with this plan's own causes, keeping the earliest time it was first owed), and puts in the changes the performer
 * plans for them. Owed work no provider performs is dropped (cosi does not manage services in this root). Pure.
 */
export function addOwedWork(request: {
  readonly changes: readonly Change[];
  readonly providers: readonly OwedWorkProvider[];
  readonly interrupted?: readonly OwedRecord[];
}): Change[] {
  const {changes, providers, interrupted = []} = request;
  const byKind = new Map(providers.map((p) => [p.kind, p]));
  let out = [...changes];
  for (const performer of providers.flatMap((p) => (p.performs ? [p.performs] : []))) {
    const owed = owedTargets(changes, byKind, performer, interrupted);
    if (owed.length === 0) continue;
    out = merged(out, performer.planOwed({owed, changes: out}));
  }
  return out;
}

function owedTargets(
  changes: readonly Change[],
  byKind: ReadonlyMap<string, OwedWorkProvider>,
  performer: OwedWorkPerformer,
  interrupted: readonly OwedRecord[],
): OwedTarget[] {
  const causes = new Map<string, Change[]>();
  for (const change of changes) {
    for (const owed of owedWorkOf(change, byKind.get(change.kind))) {
      if (owed.work !== performer.work) continue;
      const list = causes.get(owed.target) ?? [];
      if (!list.includes(change)) list.push(change);
      causes.set(owed.target, list);
    }
  }
  const since = new Map<string, string>();
  for (const record of interrupted) {
    const found = performer.journaled(record);
    if (!found || record.interrupted === undefined) continue;
    const earlier = since.get(found.target);
    if (earlier === undefined || record.interrupted < earlier) since.set(found.target, record.interrupted);
    if (!causes.has(found.target)) causes.set(found.target, []);
  }
  return [...causes].map(([target, list]) => {
    const at = since.get(target);
    return {target, causes: list, ...(at !== undefined ? {interrupted: at} : {})};
  });
}

function merged(changes: readonly Change[], planned: readonly Change[]): Change[] {
  const out = [...changes];
  for (const change of planned) {
    const index = out.findIndex((c) => c.address === change.address);
    if (index === -1) out.push(change);
    else out[index] = change;
  }
  return out;
}

/** journalRecords are the records of the owed work a list of changes carries out, as the journal keeps them. Pure. */
export function journalRecords(changes: readonly Change[]): OwedRecord[] {
  return changes.flatMap((c) => (c.carriesOut ? [{...c.carriesOut, address: c.address}] : []));
}

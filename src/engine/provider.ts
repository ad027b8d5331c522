import type {DesiredState} from '../config/desired-state.js';
import type {NodeConfig} from '../config/generated/types.js';
import type {Diagnostic} from '../diag/diagnostic.js';
import type {Host} from '../host/host.js';
import type {BootNote, Change} from '../plan/change.js';
import type {Condition} from '../plan/condition.js';
import type {OwedWork} from '../plan/owed-work.js';
import type {ResourceKind} from '../plan/resource-kind.js';
import type {OwedWorkPerformer} from './owed-work.js';
import type {CosiState, ManagedRecord} from './state.js';

/** ProbeRequest is what a provider's probe gets: the node (read-only use only), what is desired, cosi's state. */
export interface ProbeRequest {
  readonly host: Host;
  readonly desired: DesiredState;
  readonly state: CosiState;
}

/** PlanRequest is what a provider's plan gets. Pure: no host. */
export interface PlanRequest<Observed> {
  readonly desired: DesiredState;
  readonly observed: Observed;
  readonly state: CosiState;
}

/** ProviderPlan is a provider's part of the plan: changes (including `noop`s), boot notes, conditions, and problems. */
export interface ProviderPlan<Data = unknown> {
  readonly changes: readonly Change<Data>[];
  readonly bootNotes?: readonly BootNote[];
  readonly conditions?: readonly Condition[];
  readonly diagnostics?: readonly Diagnostic[];
}

/** ApplyRequest is what a provider's apply gets: the node, and one change that it planned. */
export interface ApplyRequest<Data = unknown> {
  readonly host: Host;
  readonly change: Change<Data>;
  readonly state: CosiState;
}

/**
 * ApplyOutcome tells the engine how cosi's state changes: `record` starts or updates management of the address
 * (keeping the original value cosi found), `forget` ends it.
 */
export type ApplyOutcome = ({readonly record: ManagedRecord} | {readonly forget: true}) & {
  /**
   * queued says the change was handed to someone who completes it later — a unit start queued with systemd during
   * boot, which starts it once cosi-apply.service has ended — and how; the node cannot show it yet.
   */
  readonly queued?: string;
};

/**
 * Leftover is a safeguard an interrupted apply placed on the node and only a finished one takes away (apt: cosi's
 * policy-rc.d). `summary` says what it is and what apply does about it (plan warns with it); `remove` undoes it and
 * says what it did (apply, holding the lock, before changing anything); absent when cosi cannot tell the thing is its
 * own and leaves it.
 */
export interface Leftover {
  readonly summary: string;
  readonly remove?: () => Promise<string>;
}

/**
 * Provider is the contract every resource kind implements (Terraform's Read / Plan / Apply):
 * - `probe` reads the node for every resource of its kind at once, in batches, and never writes;
 * - `plan` is a pure function from desired, observed and state to changes, each with its reason and
 *   dependencies;
 * - `apply` carries out one change it planned, idempotently, and must leave no partial file behind.
 * `Observed` is what its probe returns and its plan reads; `Data` is the payload of the changes it plans and applies
 * (`Change.data`). Build one with {@link defineProvider}.
 */
export interface Provider<Observed = unknown, Data = unknown> {
  readonly kind: ResourceKind;
  /** The document sections this provider plans (`spec.sysctls`); used to report unsupported sections. */
  readonly sections: readonly string[];
  probe(request: ProbeRequest): Promise<Observed>;
  plan(request: PlanRequest<Observed>): ProviderPlan<Data>;
  apply(request: ApplyRequest<Data>): Promise<ApplyOutcome>;
  /** leftovers finds what an interrupted apply of this kind left behind (read-only; see {@link Leftover}). */
  leftovers?(request: {host: Host}): Promise<readonly Leftover[]>;
  /**
   * owes says what work a change this provider planned leaves owed to others (see {@link OwedWork}); the engine gives
   * it to the provider that `performs` it. Without `owes`, a change owes what its disruption says (`restart:<unit>`
   * owes `restart` of the unit). Pure.
   */
  owes?(change: Change<Data>): readonly OwedWork[];
  /** performs is the owed work this provider carries out for others' changes (see {@link OwedWorkPerformer}). */
  readonly performs?: OwedWorkPerformer;
  /**
   * check is this kind's part of the document rules the schema cannot express (`DocumentCheck`): offline and pure,
   * run when the document is loaded, before anything is probed.
   */
  check?(config: NodeConfig): readonly Diagnostic[];
  /** facts describes what the provider reads from the node, for `cosi facts`. Read-only. */
  facts?(request: {host: Host}): Promise<Record<string, unknown>>;
}

/**
 * defineProvider declares a provider, inferring `Observed` from its probe and `Data` from its plan and apply, so that
 * the three agree: a plan's changes carry the `Data` its apply reads, without casts. The result is a `Provider` as
 * the registry and the engine take it. Identity.
 */
export function defineProvider<Observed, Data>(provider: Provider<Observed, Data>): Provider<Observed, Data> {
  return provider;
}

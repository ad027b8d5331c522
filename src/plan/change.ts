import type {Action} from './action.js';
import type {Disruption} from './disruption.js';
import type {OwedRecord} from './owed-work.js';
import type {ResourceKind} from './resource-kind.js';

/**
 * Change is one planned change to one resource: what it does (`action`), from what to what (`before`, `after`,
 * JSON values), why (`reason`, for people), and what it costs (`disruption`). `dependsOn` lists the addresses of
 * changes that must be carried out first. `inputs` is a digest of exactly the probed state the change was planned
 * from, so that a saved plan can tell when it has gone stale. `data` is the provider's own payload for apply, typed
 * `Data` by the provider that plans it (`Provider<Observed, Data>`).
 */
export interface Change<Data = unknown> {
  readonly address: string;
  readonly kind: ResourceKind;
  readonly action: Action;
  readonly before: unknown;
  readonly after: unknown;
  readonly reason: string;
  readonly disruption: Disruption;
  readonly dependsOn: readonly string[];
  readonly inputs: string;
  /** Key-level detail shown under the change (`plugins."io.containerd...".SystemdCgroup: false -> true`). */
  readonly details?: readonly string[];
  /**
   * The value found before cosi's first change to this resource, when this change would be that first change.
   * The engine records it in cosi's state before carrying out the change, so that a crash never loses it.
   */
  readonly original?: unknown;
  /**
   * Why the node differs, when the planner knows better than the record of what cosi applied: `node` for a change
   * made behind cosi's back that no record shows (a line cosi did not write in one of its own files).
   */
  readonly cause?: 'node' | 'document';
  /**
   * The owed work this change carries out for other changes (a restart a config change owes), set by the provider
   * that performs it (`Provider.performs`); the engine journals it before the apply starts (see {@link OwedRecord}).
   */
  readonly carriesOut?: OwedRecord;
  readonly data?: Data;
}

/**
 * BootNote says that a setting will not survive a reboot, or that something else decides it at boot, and which
 * file does.
 */
export interface BootNote {
  readonly address: string;
  readonly message: string;
  readonly file?: string;
}

/**
 * payload returns the data a change's provider planned for its apply (typed `Data` by `Provider<Observed, Data>`).
 * A change without it was not planned by that provider: an error naming the change, never a guess.
 */
export function payload<Data>(change: Change<Data>): Data {
  if (change.data === undefined) throw new Error(`${change.address}: the change carries no data for its provider`);
  return change.data;
}

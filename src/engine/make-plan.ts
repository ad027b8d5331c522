import type {DesiredState} from '../config/desired-state.js';
import {error, type Diagnostic} from '../diag/diagnostic.js';
import type {Host} from '../host/host.js';
import type {BootNote, Change} from '../plan/change.js';
import type {Condition} from '../plan/condition.js';
import type {OwedRecord} from '../plan/owed-work.js';
import type {Plan} from '../plan/plan.js';
import {digest} from './digest.js';
import {findLeftovers, leftoverWarnings} from './leftovers.js';
import {orderChanges} from './order.js';
import {addOwedWork} from './owed-work.js';
import type {Provider} from './provider.js';
import type {CosiState} from './state.js';

/** PlanInput is everything planning needs: the node to probe, the desired state, cosi's state, the providers. */
export interface PlanInput {
  readonly host: Host;
  readonly desired: DesiredState;
  readonly state: CosiState;
  readonly providers: readonly Provider[];
  /** The spec sections this version of cosi knows of. */
  readonly sections: readonly string[];
  /** Owed work an interrupted apply listed and never carried out (`owedByInterrupted` of its journal). */
  readonly interrupted?: readonly OwedRecord[];
  /** Told each provider's observations, by kind, as its probe answers (a failed probe is not told). */
  readonly onObserved?: (kind: string, observed: unknown) => void;
}

/**
 * makePlan probes the node (read-only, every provider at once) and plans: the changes of all providers in
 * dependency order, boot notes, conditions (reported, never changes), diagnostics, unsupported sections and the fingerprint of what was probed. A probe
 * that fails is an error diagnostic naming the kind, never a crash. Work owed by changes (restarts), and that an
 * interrupted apply still owed, becomes changes of the providers that perform it. What an interrupted apply left behind is a warning.
 */
export async function makePlan({
  host,
  desired,
  state,
  providers,
  sections,
  interrupted = [],
  onObserved,
}: PlanInput): Promise<Plan> {
  const diagnostics: Diagnostic[] = [];
  const observed = await Promise.all(
    providers.map(async (provider) => {
      try {
        const value = await provider.probe({host, desired, state});
        onObserved?.(provider.kind, value);
        return {ok: true as const, value};
      } catch (cause) {
        diagnostics.push(error(`probing ${provider.kind} resources failed: ${(cause as Error).message}`));
        return {ok: false as const};
      }
    }),
  );
  try {
    diagnostics.push(...leftoverWarnings(await findLeftovers(host, providers)));
  } catch (cause) {
    diagnostics.push(error(`looking for what an interrupted apply left failed: ${(cause as Error).message}`));
  }
  let changes: Change[] = [];
  const bootNotes: BootNote[] = [];
  const conditions: Condition[] = [];
  providers.forEach((provider, i) => {
    const probe = observed[i]!;
    if (!probe.ok) return;
    const part = provider.plan({desired, observed: probe.value, state});
    changes.push(...part.changes);
    bootNotes.push(...(part.bootNotes ?? []));
    conditions.push(...(part.conditions ?? []));
    diagnostics.push(...(part.diagnostics ?? []));
  });
  // Work owed by changes (restarts) becomes changes of the providers that perform it.
  changes = addOwedWork({changes, providers, interrupted});
  const covered = new Set(providers.flatMap((p) => p.sections));
  const spec = (desired.config.spec ?? {}) as Record<string, unknown>;
  const unsupported = sections
    .filter((s) => spec[s] !== undefined && !covered.has(`spec.${s}`))
    .map((s) => `spec.${s}`);
  return {
    changes: orderChanges(changes.filter((c) => c.action !== 'noop')),
    noops: changes.filter((c) => c.action === 'noop'),
    bootNotes,
    conditions,
    diagnostics,
    unsupported,
    fingerprint: digest(observed.map((o, i) => [providers[i]!.kind, o.ok ? o.value : null])),
  };
}

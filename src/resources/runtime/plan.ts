import type {Diagnostic} from '../../diag/diagnostic.js';
import type {PlanRequest, ProviderPlan} from '../../engine/provider.js';
import {managedOfKind} from '../../engine/state.js';
import type {Change} from '../../plan/change.js';
import type {RuntimeChangeData} from './change-data.js';
import {address} from '../../plan/resource-kind.js';
import {desiredLeaves} from './desired-settings.js';
import {planDropIn} from './plan-drop-in.js';
import {planInPlace} from './plan-in-place.js';
import {planRestore} from './plan-restore.js';
import type {RuntimeObserved} from './probe.js';
import type {StoredRuntimeRecord} from './record.js';

/**
 * planRuntime plans the declared engine's configuration (`runtime.<engine>`): containerd's config.toml (or an
 * explicit `configPath`) edited in place, CRI-O's settings in cosi's own crio.conf.d drop-in; and a `delete`
 * restoring the file for a runtime cosi manages that the document no longer declares (or whose engine changed).
 * Every change to a configuration owes a restart of the engine's unit. Pure.
 */
export function planRuntime({desired, observed, state}: PlanRequest<RuntimeObserved>): ProviderPlan<RuntimeChangeData> {
  const runtime = desired.config.spec?.runtime;
  const changes: Change<RuntimeChangeData>[] = [];
  const diagnostics: Diagnostic[] = [];
  let declared: string | undefined;
  if (runtime) {
    declared = address('runtime', runtime.engine);
    const record = state.resources[declared] as unknown as StoredRuntimeRecord | undefined;
    const wanted = desiredLeaves(runtime, observed.groups);
    diagnostics.push(...wanted.diagnostics);
    if (!wanted.diagnostics.some((d) => d.severity === 'error')) {
      const request = {runtime, leaves: wanted.leaves, observed, ...(record ? {record} : {})};
      const part = runtime.engine === 'crio' && !runtime.configPath ? planDropIn(request) : planInPlace(request);
      diagnostics.push(...part.diagnostics);
      // A socket group the document declares is created (or fixed) by its own change, which must come first.
      const group = runtime.socket?.group;
      const declaredGroup =
        typeof group === 'string' && Object.hasOwn(desired.config.spec?.groups ?? {}, group)
          ? address('group', group)
          : undefined;
      if (part.change)
        changes.push(
          declaredGroup ? {...part.change, dependsOn: [...part.change.dependsOn, declaredGroup]} : part.change,
        );
    }
  }
  for (const [addr, record] of managedOfKind(state, 'runtime')) {
    if (addr === declared) continue;
    const part = planRestore(addr, record as unknown as StoredRuntimeRecord, observed);
    diagnostics.push(...part.diagnostics);
    if (part.change) changes.push(part.change);
  }
  return {changes, diagnostics};
}

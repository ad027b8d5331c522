import type {NodeConfig} from '../../src/config/generated/types.js';
import {applyChanges, type ApplyResult} from '../../src/engine/apply-changes.js';
import {makePlan} from '../../src/engine/make-plan.js';
import type {Provider} from '../../src/engine/provider.js';
import {loadState} from '../../src/engine/state.js';
import type {Host} from '../../src/host/host.js';
import type {Plan} from '../../src/plan/plan.js';
import {documentSections} from '../../src/resources/registry.js';
import {desiredFrom} from './document.js';

// Plan and apply a document's spec with only some providers, against a host (a fixture root, fake commands): what
// the provider suites repeat. The state is loaded from the host each time, as `cosi plan` and `cosi apply` do.

export interface ProviderRun {
  /** plan is the plan of `spec` on `host`. */
  plan(host: Host, spec: NodeConfig['spec']): Promise<Plan>;
  /** applyPlan applies the changes of `planned` and returns the result, failed or not. */
  applyPlan(host: Host, planned: Plan): Promise<ApplyResult>;
  /** apply plans `spec`, applies it and returns the plan; a plan with errors, as `cosi apply` refuses, and a failed change throw. */
  apply(host: Host, spec: NodeConfig['spec']): Promise<Plan>;
}

export function providerRun(providers: readonly Provider[]): ProviderRun {
  const plan = async (host: Host, spec: NodeConfig['spec']): Promise<Plan> =>
    makePlan({host, desired: desiredFrom(spec), state: await loadState(host), providers, sections: documentSections});
  const applyPlan = async (host: Host, planned: Plan): Promise<ApplyResult> =>
    applyChanges({host, changes: planned.changes, state: await loadState(host), providers});
  const apply = async (host: Host, spec: NodeConfig['spec']): Promise<Plan> => {
    const planned = await plan(host, spec);
    const errors = planned.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0) throw new Error(errors.map((d) => d.summary).join('; '));
    const result = await applyPlan(host, planned);
    if (result.failed) throw new Error(`apply failed at ${result.failed.change.address}: ${result.failed.message}`);
    return planned;
  };
  return {plan, applyPlan, apply};
}

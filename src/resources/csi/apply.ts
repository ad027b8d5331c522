import type {ApplyOutcome, ApplyRequest} from '../../engine/provider.js';

/**
 * applyCsi changes nothing on the node: cosi reports CSI driver health, it never starts drivers, and it plans only
 * `noop`s for them (an unhealthy driver is a condition of the plan, not a change). cosi keeps no state for drivers.
 */
export async function applyCsi(_request: ApplyRequest): Promise<ApplyOutcome> {
  return {forget: true};
}

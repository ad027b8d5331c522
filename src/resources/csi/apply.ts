import type {ApplyOutcome, ApplyRequest} from '../../engine/provider.js';
import {probeDriver} from './driver-health.js';
import type {CsiChangeData} from './plan.js';

/**
 * applyCsi checks a reported driver again and changes nothing on the node: cosi reports CSI driver health, it never
 * starts drivers. It does not fail the apply (at boot the kubelet, and so every driver, starts after cosi); the
 * plan's warning and `cosi drift` carry the problem until the driver is healthy. cosi keeps no state for drivers.
 */
export async function applyCsi({host, change}: ApplyRequest): Promise<ApplyOutcome> {
  const data = change.data as CsiChangeData;
  await probeDriver(host, data.endpoint);
  return {forget: true};
}

import type {ProbeRequest} from '../../engine/provider.js';
import {probeDriver, type DriverHealth} from './driver-health.js';

/** CsiObserved is the health of every declared driver that has an endpoint, by driver name. */
export interface CsiObserved {
  readonly drivers: Readonly<Record<string, DriverHealth>>;
}

/**
 * probeCsi asks each declared driver with an `endpoint` for its identity and readiness, all drivers at once.
 * Read-only; each call is bounded (a hung socket cannot stall the plan).
 */
export async function probeCsi({host, desired}: ProbeRequest): Promise<CsiObserved> {
  const declared = Object.entries(desired.config.spec?.csi?.drivers ?? {}).filter(([, d]) => d.endpoint !== undefined);
  const entries = await Promise.all(
    declared.map(async ([name, driver]) => [name, await probeDriver(host, driver.endpoint!)] as const),
  );
  return {drivers: Object.fromEntries(entries)};
}

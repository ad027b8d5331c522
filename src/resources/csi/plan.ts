import {digest} from '../../engine/digest.js';
import type {PlanRequest, ProviderPlan} from '../../engine/provider.js';
import type {Change} from '../../plan/change.js';
import type {Condition} from '../../plan/condition.js';
import {address} from '../../plan/resource-kind.js';
import {describeHealth} from './driver-health.js';
import type {CsiObserved} from './probe.js';

/**
 * planCsi reports each declared driver's health. A CSI driver's node plugin is a pod the kubelet runs: cosi never
 * starts it. Its packages, modules and services are planned by their own kinds (merged by `buildDesiredState`).
 * Every declared driver is a `noop` change: cosi changes nothing for it. One with an endpoint that is not healthy
 * (no socket, no answer, another name, not ready) is also a condition (`csi-driver-unhealthy`), which plan, drift
 * and its metric report until the driver is healthy; it is never a change, so apply never fails on it (at boot
 * cosi runs before the kubelet, and no driver can be up yet). Pure.
 */
export function planCsi({desired, observed}: PlanRequest<CsiObserved>): ProviderPlan {
  const changes: Change[] = [];
  const conditions: Condition[] = [];
  for (const [name, driver] of Object.entries(desired.config.spec?.csi?.drivers ?? {})) {
    const addr = address('csi.driver', name);
    const health = observed.drivers[name];
    const base = {
      address: addr,
      kind: 'csi.driver' as const,
      disruption: 'none' as const,
      dependsOn: [],
      inputs: digest(health ?? null),
    };
    if (driver.endpoint === undefined || health === undefined) {
      changes.push({
        ...base,
        action: 'noop',
        before: null,
        after: null,
        reason: 'no endpoint declared: only its packages, modules and services are managed',
      });
      continue;
    }
    const problem = describeHealth(name, health);
    const before =
      health.state === 'answered'
        ? {name: health.name, vendorVersion: health.vendorVersion, ready: health.ready}
        : {state: health.state};
    const after = {name, ready: true};
    if (problem === undefined) {
      changes.push({
        ...base,
        action: 'noop',
        before,
        after,
        reason: `${name} ${health.state === 'answered' ? health.vendorVersion : ''} is ready`.replace(/\s+/g, ' '),
      });
      continue;
    }
    const message = `CSI driver ${name} is not healthy: ${problem}. cosi reports driver health; it never starts drivers (the kubelet runs their node plugins)`;
    conditions.push({address: addr, kind: 'csi.driver', type: 'csi-driver-unhealthy', message});
    changes.push({...base, action: 'noop', before, after: before, reason: message});
  }
  return {changes, conditions};
}

import type {ResourceKind} from './resource-kind.js';

/**
 * ConditionType is the closed set of conditions: states of the node that cosi reports and apply cannot change.
 * - `csi-driver-unhealthy`: a declared CSI driver's node plugin does not answer, or is not ready (the kubelet runs
 *   it; at boot cosi runs before the kubelet, so none can be up yet);
 * - `cni-plugin-not-installed`: a binary that `cni.external` says another component (a CNI DaemonSet) installs is
 *   not there yet, or not executable;
 * - `package-lists-stale`: the package lists are missing or old and `packages.refresh` is `never`, so `latest` and
 *   `>=` packages were checked against what the repositories offered then, not now.
 * - `module-built-in`: a declared module is built into the running kernel: always loaded, nothing to load or persist
 *   (informational: nobody has to act on it).
 */
export type ConditionType =
  'csi-driver-unhealthy' | 'cni-plugin-not-installed' | 'package-lists-stale' | 'module-built-in';

/**
 * Condition is one such state, at one resource's address (SPEC §2): reported by plan, drift (the metric
 * `cosi_condition`) and `--json`, never a change, never a reason for apply to fail. `message` says what is wrong
 * and who is expected to put it right.
 */
export interface Condition {
  readonly address: string;
  readonly kind: ResourceKind;
  readonly type: ConditionType;
  readonly message: string;
}

/**
 * ResourceKind is the closed set of resource kinds. The order of `resourceKinds` is the default apply order
 * between kinds (packages before the runtime that needs them, modules before the sysctls they provide); explicit
 * dependencies between changes refine it.
 */
export const resourceKinds = [
  'package',
  'group',
  'swap',
  'module',
  'sysctl',
  'kernel.args',
  'runtime',
  'cni.plugin',
  'cni.network',
  'seccomp.profile',
  'apparmor.profile',
  'service',
  'csi.driver',
] as const;

/** ResourceKind is one of `resourceKinds`. */
export type ResourceKind = (typeof resourceKinds)[number];

/** address builds a resource's stable address, e.g. `sysctl.net.ipv4.ip_forward`. */
export function address(kind: ResourceKind, name: string): string {
  return `${kind}.${name}`;
}

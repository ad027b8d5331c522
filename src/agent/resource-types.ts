import type {ResourceKind} from '../plan/resource-kind.js';
import type {Namespace} from './resource.js';

/** ResourceType is every resource type the agent serves (SPEC §7). */
export type ResourceType =
  | 'NodeConfigs.cosi.dev'
  | 'SysctlStatuses.cosi.dev'
  | 'ModuleStatuses.cosi.dev'
  | 'PackageStatuses.cosi.dev'
  | 'ServiceStatuses.cosi.dev'
  | 'RuntimeStatuses.cosi.dev'
  | 'CNINetworkStatuses.cosi.dev'
  | 'CSIDriverStatuses.cosi.dev'
  | 'SeccompProfileStatuses.cosi.dev'
  | 'NodeFacts.cosi.dev'
  | 'Changes.cosi.dev'
  | 'Namespaces.meta.cosi.dev'
  | 'ResourceDefinitions.meta.cosi.dev';

/** TypeDefinition is what the `meta` namespace says of a type: where it lives, how it is shown, its aliases. */
export interface TypeDefinition {
  readonly type: ResourceType;
  readonly namespace: Namespace;
  readonly display: string;
  readonly aliases: readonly string[];
  /** The resource kind whose probe it shows (node statuses other than sysctls, from the plan). */
  readonly kind?: ResourceKind;
}

/** StatusDisplay is a node status type's display name; `${StatusDisplay}es.cosi.dev` must be a ResourceType. */
type StatusDisplay = Extract<ResourceType, `${string}Statuses.cosi.dev`> extends `${infer D}es.cosi.dev` ? D : never;

/** nodeStatus is the definition of a kind's node status type (`ModuleStatus`: `ModuleStatuses.cosi.dev`). */
function nodeStatus(display: StatusDisplay, plural: string, kind?: ResourceKind): TypeDefinition {
  return {
    type: `${display}es.cosi.dev`,
    namespace: 'node',
    display,
    aliases: [display.toLowerCase(), plural],
    ...(kind ? {kind} : {}),
  };
}

/** typeDefinitions lists the agent's types, in the order `cosi get` documents them. */
export const typeDefinitions: readonly TypeDefinition[] = [
  {type: 'NodeConfigs.cosi.dev', namespace: 'config', display: 'NodeConfig', aliases: ['nodeconfig', 'config']},
  nodeStatus('SysctlStatus', 'sysctls'),
  nodeStatus('ModuleStatus', 'modules', 'module'),
  nodeStatus('PackageStatus', 'packages', 'package'),
  nodeStatus('ServiceStatus', 'services', 'service'),
  nodeStatus('RuntimeStatus', 'runtimes', 'runtime'),
  nodeStatus('CNINetworkStatus', 'cninetworks', 'cni.network'),
  nodeStatus('CSIDriverStatus', 'csidrivers', 'csi.driver'),
  nodeStatus('SeccompProfileStatus', 'seccompprofiles', 'seccomp.profile'),
  {type: 'NodeFacts.cosi.dev', namespace: 'node', display: 'NodeFact', aliases: ['nodefacts', 'facts']},
  {type: 'Changes.cosi.dev', namespace: 'plan', display: 'Change', aliases: ['change', 'changes', 'plan']},
  {
    type: 'Namespaces.meta.cosi.dev',
    namespace: 'meta',
    display: 'Namespace',
    aliases: ['namespace', 'namespaces', 'ns'],
  },
  {
    type: 'ResourceDefinitions.meta.cosi.dev',
    namespace: 'meta',
    display: 'ResourceDefinition',
    aliases: ['resourcedefinition', 'rds', 'rd', 'api-resources'],
  },
];

/** namespaceDescriptions says what each namespace holds (the `meta` namespace's Namespace resources). */
export const namespaceDescriptions: Readonly<Record<Namespace, string>> = {
  config: 'The cosi document the agent reconciles the node to (its Update changes the node).',
  node: 'What cosi observes on the node, by resource kind: live, persisted and boot-time values.',
  plan: 'The changes that would make the node match the document; empty when it does.',
  meta: 'The namespaces and the resource definitions.',
};

/**
 * resolveType finds a type by its name, its lower-case name, or an alias (`sysctls`), as talosctl's `get` does.
 * Undefined when none matches.
 */
export function resolveType(name: string): TypeDefinition | undefined {
  const wanted = name.toLowerCase();
  return typeDefinitions.find(
    (d) =>
      d.type.toLowerCase() === wanted || d.type.split('.')[0]!.toLowerCase() === wanted || d.aliases.includes(wanted),
  );
}

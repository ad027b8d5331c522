import type {ResourceBody} from './resource.js';
import {namespaceDescriptions, typeDefinitions} from './resource-types.js';

/** Encode encodes one protobuf message (the `meta` namespace's specs). */
export type Encode = (message: string, value: Record<string, unknown>) => Uint8Array;

/**
 * metaResources are the `meta` namespace: a Namespace per namespace and a ResourceDefinition per type (id: the
 * type in lower case, as cosi-project/runtime names them), with their specs both as YAML and as the specification's
 * protobuf messages (cosi.resource.meta's NamespaceSpec and ResourceDefinitionSpec).
 */
export function metaResources(encode: Encode): {namespaces: ResourceBody[]; definitions: ResourceBody[]} {
  const namespaces = Object.entries(namespaceDescriptions).map(([name, description]): ResourceBody => ({
    namespace: 'meta',
    type: 'Namespaces.meta.cosi.dev',
    id: name,
    labels: {},
    spec: {description},
    protoSpec: encode('cosi.resource.meta.NamespaceSpec', {description}),
  }));
  const definitions = typeDefinitions.map((d): ResourceBody => {
    const spec = {
      type: d.type,
      displayType: d.display,
      defaultNamespace: d.namespace,
      aliases: [...d.aliases],
      allAliases: [d.type.split('.')[0]!.toLowerCase(), ...d.aliases],
      printColumns: [],
      sensitivity: 'non-sensitive',
    };
    return {
      namespace: 'meta',
      type: 'ResourceDefinitions.meta.cosi.dev',
      id: d.type.toLowerCase(),
      labels: {},
      spec,
      protoSpec: encode('cosi.resource.meta.ResourceDefinitionSpec', {
        resource_type: spec.type,
        display_type: spec.displayType,
        default_namespace: spec.defaultNamespace,
        aliases: spec.aliases,
        all_aliases: spec.allAliases,
        print_columns: [],
        sensitivity: 'NON_SENSITIVE',
      }),
    };
  });
  return {namespaces, definitions};
}

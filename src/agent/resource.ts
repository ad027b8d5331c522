/** Namespace is one of the agent's resource namespaces (SPEC §7). */
export type Namespace = 'config' | 'node' | 'plan' | 'meta';

/**
 * ResourceBody is what the agent says about one resource, before the store gives it a version: its pointer
 * (namespace, type, id), its labels, and its spec as a JSON value (served as YAML in `yaml_spec`), or as protobuf
 * bytes too for the `meta` types whose spec messages the specification defines.
 */
export interface ResourceBody {
  readonly namespace: Namespace;
  readonly type: string;
  readonly id: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly spec: unknown;
  /** The spec as the text it is (the document's own YAML), when it must not be re-rendered. */
  readonly yamlText?: string;
  readonly protoSpec?: Uint8Array;
}

/** StoredResource is a resource as served: its body, a version that increases on every change, its times. */
export interface StoredResource extends ResourceBody {
  readonly version: number;
  readonly created: Date;
  readonly updated: Date;
}

/** resourceKey is the store's key of a resource: namespace, type and id, which no id or type can make ambiguous. */
export function resourceKey(namespace: string, type: string, id: string): string {
  return JSON.stringify([namespace, type, id]);
}

/** kindKey is the store's key of a (namespace, type) collection. */
export function kindKey(namespace: string, type: string): string {
  return JSON.stringify([namespace, type]);
}

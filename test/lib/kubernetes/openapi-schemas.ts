// Kubernetes' own OpenAPI (swagger 2.0) definitions as JSON Schema, for validating rendered manifests offline. The
// spec is the one Debian's golang-k8s-kube-openapi-dev carries as test data: Kubernetes v1.13's swagger.json,
// 881 definitions, apps/v1 DaemonSet among them. Each definition keeps its properties, types, `required` and `$ref`s;
// objects that list properties get additionalProperties: false (kubectl's strict validation: an unknown field, a
// misspelt one or one newer than the spec, is an error); IntOrString and Quantity accept what the API server
// accepts (a string or a number).
import {createRequire} from 'node:module';
import {readFileSync} from 'node:fs';
import type {ErrorObject, ValidateFunction} from 'ajv';

const require = createRequire(import.meta.url);
const Ajv = (require('ajv') as {default: new (options: object) => AjvInstance}).default;
interface AjvInstance {
  addSchema(schema: object, key: string): void;
  getSchema(ref: string): ValidateFunction | undefined;
}

/** swaggerPath is where golang-k8s-kube-openapi-dev installs Kubernetes' swagger.json. */
export const swaggerPath = '/usr/share/gocode/src/k8s.io/kube-openapi/pkg/schemaconv/testdata/swagger.json';

type Schema = {[key: string]: unknown};
interface Swagger {
  info: {title: string; version: string};
  definitions: Record<string, Schema & {'x-kubernetes-group-version-kind'?: GroupVersionKind[]}>;
}
interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

const special: Record<string, Schema> = {
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': {anyOf: [{type: 'string'}, {type: 'integer'}]},
  'io.k8s.apimachinery.pkg.api.resource.Quantity': {
    anyOf: [
      {type: 'string', pattern: '^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+|[KMGTPE]i|[mkMGTPE])?$'},
      {type: 'number'},
    ],
  },
};

/** convert makes a swagger schema object a JSON Schema one: formats dropped (int32, int64, byte...), objects closed. */
function convert(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(convert);
  if (node === null || typeof node !== 'object') return node;
  const out: Schema = {};
  for (const [key, value] of Object.entries(node as Schema)) {
    if (key === 'format' || key.startsWith('x-') || key === 'description') continue;
    out[key] =
      key === 'properties'
        ? Object.fromEntries(Object.entries(value as Schema).map(([k, v]) => [k, convert(v)]))
        : convert(value);
  }
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

/** KubernetesSchemas validates objects against the definition their apiVersion and kind name. */
export interface KubernetesSchemas {
  readonly version: string;
  /** validate returns the errors of one object, as "PATH: message" lines; [] when it is valid. */
  validate(object: {apiVersion?: unknown; kind?: unknown}): string[];
}

/** loadKubernetesSchemas reads the swagger spec and compiles its definitions on first use. */
export function loadKubernetesSchemas(path = swaggerPath): KubernetesSchemas {
  const swagger = JSON.parse(readFileSync(path, 'utf8')) as Swagger;
  const byKind = new Map<string, string>();
  const definitions: Record<string, unknown> = {};
  for (const [name, definition] of Object.entries(swagger.definitions)) {
    definitions[name] = special[name] ?? convert(definition);
    for (const gvk of definition['x-kubernetes-group-version-kind'] ?? [])
      byKind.set(`${gvk.group ? `${gvk.group}/` : ''}${gvk.version}/${gvk.kind}`, name);
  }
  const ajv = new Ajv({strict: false, allErrors: true});
  ajv.addSchema({definitions}, 'k8s');
  return {
    version: swagger.info.version,
    validate(object) {
      const name = byKind.get(`${String(object.apiVersion)}/${String(object.kind)}`);
      if (!name) return [`no definition for apiVersion ${String(object.apiVersion)} kind ${String(object.kind)}`];
      const validate = ajv.getSchema(`k8s#/definitions/${name}`)!;
      if (validate(object)) return [];
      return (validate.errors ?? []).map(
        (e: ErrorObject) => `${e.instancePath || '/'}: ${e.message ?? ''} ${JSON.stringify(e.params)}`,
      );
    },
  };
}

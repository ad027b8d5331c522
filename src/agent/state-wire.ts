import {stringify} from 'yaml';
import {stateDescriptor} from './generated/state-descriptor.js';
import {loadGrpcRuntime} from './grpc-runtime.js';
import type {Grpc} from '../resources/csi/grpc-module.js';
import type {StoredResource} from './resource.js';

/** Method is one method of cosi.resource.State, with whether it streams its responses. */
export interface Method {
  readonly name: 'Get' | 'List' | 'Create' | 'Update' | 'Destroy' | 'Watch' | 'Teardown' | 'TeardownAndDestroy';
  readonly responseStream: boolean;
}

/** stateMethods are the service's methods (state.proto). */
export const stateMethods: readonly Method[] = [
  {name: 'Get', responseStream: false},
  {name: 'List', responseStream: true},
  {name: 'Create', responseStream: false},
  {name: 'Update', responseStream: false},
  {name: 'Destroy', responseStream: false},
  {name: 'Watch', responseStream: true},
  {name: 'Teardown', responseStream: false},
  {name: 'TeardownAndDestroy', responseStream: false},
];

/** Wire is the COSI State API's protobuf runtime: grpc-js, and encoders for the messages (decoded as plain objects). */
export interface Wire {
  readonly grpc: Grpc;
  /** The service definition grpc-js's Server.addService and makeGenericClientConstructor take. */
  readonly service: import('@grpc/grpc-js').ServiceDefinition;
  encode(message: string, value: Record<string, unknown>): Uint8Array;
  decode(message: string, bytes: Uint8Array): Record<string, unknown>;
}

let cached: Wire | undefined;

/** loadWire loads grpc-js and protobufjs and the State API's definitions, once per process. */
export function loadWire(): Wire {
  if (cached) return cached;
  const {grpc, protobuf} = loadGrpcRuntime();
  const root = protobuf.Root.fromJSON(stateDescriptor as protobuf.INamespace);
  const encode = (message: string, value: Record<string, unknown>): Uint8Array => {
    const type = root.lookupType(message);
    return type.encode(type.fromObject(value)).finish();
  };
  const decode = (message: string, bytes: Uint8Array): Record<string, unknown> => {
    const type = root.lookupType(message);
    return type.toObject(type.decode(bytes), {
      longs: String,
      enums: String,
      bytes: Buffer,
      defaults: true,
      oneofs: true,
    });
  };
  const service: Record<
    string,
    import('@grpc/grpc-js').MethodDefinition<Record<string, unknown>, Record<string, unknown>>
  > = {};
  for (const method of stateMethods) {
    const request = `cosi.resource.${method.name}Request`;
    const response = `cosi.resource.${method.name}Response`;
    service[method.name] = {
      path: `/cosi.resource.State/${method.name}`,
      requestStream: false,
      responseStream: method.responseStream,
      requestSerialize: (value: Record<string, unknown>) => Buffer.from(encode(request, value)),
      requestDeserialize: (bytes: Buffer) => decode(request, bytes),
      responseSerialize: (value: Record<string, unknown>) => Buffer.from(encode(response, value)),
      responseDeserialize: (bytes: Buffer) => decode(response, bytes),
    };
  }
  cached = {grpc, service, encode, decode};
  return cached;
}

/** timestamp is a google.protobuf.Timestamp. */
function timestamp(date: Date): {seconds: string; nanos: number} {
  const ms = date.getTime();
  return {seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000};
}

/** toWireResource is a stored resource as a cosi.resource.Resource (owner `cosi`, phase `running`). */
export function toWireResource(resource: StoredResource): Record<string, unknown> {
  return {
    metadata: {
      namespace: resource.namespace,
      type: resource.type,
      id: resource.id,
      version: String(resource.version),
      owner: 'cosi',
      phase: 'running',
      created: timestamp(resource.created),
      updated: timestamp(resource.updated),
      finalizers: [],
      labels: {...resource.labels},
      annotations: {},
    },
    spec: {
      proto_spec: Buffer.from(resource.protoSpec ?? new Uint8Array()),
      yaml_spec: resource.yamlText ?? stringify(resource.spec, {lineWidth: 0}),
    },
  };
}

/** tombstone is a resource pointer without a spec (a DESTROYED initial event, a BOOTSTRAPPED marker). */
export function tombstone(namespace: string, type: string, id: string): Record<string, unknown> {
  return {metadata: {namespace, type, id, version: '', owner: '', phase: 'running', finalizers: []}, spec: {}};
}

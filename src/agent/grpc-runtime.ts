import {createRequire} from 'node:module';
import type * as Protobuf from 'protobufjs';
import type {Grpc} from '../resources/csi/grpc-module.js';

/** ProtobufLight is protobufjs's light build (no .proto parser: cosi loads its definitions from JSON). */
export type ProtobufLight = typeof Protobuf;

/**
 * loadGrpcRuntime loads @grpc/grpc-js and protobufjs/light on first use, so that no other command reads them.
 * Required, not imported, for the reason src/resources/csi/grpc-module.ts gives; in the bundle, scripts/build.mjs
 * replaces this module by plain requires through the bundle's loader (node_modules, or the single executable's
 * embedded copies).
 */
export function loadGrpcRuntime(): {grpc: Grpc; protobuf: ProtobufLight} {
  const require = createRequire(import.meta.url);
  return {grpc: require('@grpc/grpc-js') as Grpc, protobuf: require('protobufjs/light') as ProtobufLight};
}

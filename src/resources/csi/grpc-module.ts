import {createRequire} from 'node:module';

/** Grpc is the @grpc/grpc-js module. */
export type Grpc = typeof import('@grpc/grpc-js');

/**
 * loadGrpc loads @grpc/grpc-js on first use, so that commands that probe no CSI driver never read it. Required, not
 * imported: the command line is a bundle run through node:vm, where import() is not available. In the bundle,
 * scripts/build.mjs replaces this module by a plain `require('@grpc/grpc-js')` through the bundle's own require,
 * which its loader provides: bin/cosi.js resolves it in node_modules, the single executable loads its embedded copy.
 */
export function loadGrpc(): Grpc {
  return createRequire(import.meta.url)('@grpc/grpc-js') as Grpc;
}

import {buildDesiredState, type DesiredState} from '../../src/config/desired-state.js';
import type {NodeConfig} from '../../src/config/generated/types.js';

/** desiredFrom builds a DesiredState from a document's `spec` (the header is filled in). */
export function desiredFrom(spec: NodeConfig['spec']): DesiredState {
  return buildDesiredState({
    apiVersion: 'cosi.dev/v1alpha1',
    kind: 'NodeConfig',
    metadata: {name: 'test'},
    spec: spec ?? {},
  });
}

import {defineProvider} from '../../engine/provider.js';
import {applyRuntime} from './apply.js';
import {runtimeFacts} from './facts.js';
import {planRuntime} from './plan.js';
import {probeRuntime} from './probe.js';

/**
 * runtimeProvider manages the container runtime's configuration (`spec.runtime`): containerd's config.toml edited in
 * place key by key, CRI-O's settings in cosi's crio.conf.d drop-in, the socket's group; its package is planned by
 * the package provider (see `buildDesiredState`).
 */
export const runtimeProvider = defineProvider({
  kind: 'runtime',
  sections: ['spec.runtime'],
  probe: probeRuntime,
  plan: planRuntime,
  apply: applyRuntime,
  facts: runtimeFacts,
});

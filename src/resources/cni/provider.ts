import {defineProvider} from '../../engine/provider.js';
import {applyCniNetwork, applyCniPlugin} from './apply.js';
import {checkCniRules} from './check-networks.js';
import {cniFacts} from './facts.js';
import {planCniNetworks} from './plan-networks.js';
import {planCniPlugins} from './plan-plugins.js';
import {probeCni} from './probe.js';

/** cniPluginProvider checks the CNI plugin binaries the document needs (`cni.plugins` and every network's types). */
export const cniPluginProvider = defineProvider({
  kind: 'cni.plugin',
  sections: ['spec.cni'],
  probe: probeCni,
  plan: planCniPlugins,
  apply: applyCniPlugin,
});

/** cniNetworkProvider writes the CNI network configuration lists (`cni.networks`, `cni.exclusive`). */
export const cniNetworkProvider = defineProvider({
  kind: 'cni.network',
  sections: ['spec.cni'],
  probe: probeCni,
  plan: planCniNetworks,
  apply: applyCniNetwork,
  facts: cniFacts,
  check: checkCniRules,
});

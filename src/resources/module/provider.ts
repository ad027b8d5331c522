import {defineProvider} from '../../engine/provider.js';
import {applyModule} from './apply.js';
import {moduleFacts} from './facts.js';
import {checkReservedName} from './initramfs-tool.js';
import {planModules} from './plan.js';
import {probeModules} from './probe.js';

/**
 * moduleProvider manages kernel modules: loaded or blocked now (modprobe, rmmod) and at every boot
 * (/etc/modules-load.d/cosi.conf, /etc/modprobe.d/cosi.conf).
 */
export const moduleProvider = defineProvider({
  kind: 'module',
  sections: ['spec.modules'],
  probe: probeModules,
  plan: planModules,
  apply: applyModule,
  facts: moduleFacts,
  check: checkReservedName,
});

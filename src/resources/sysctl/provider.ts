import {defineProvider} from '../../engine/provider.js';
import {applySysctl} from './apply.js';
import {sysctlFacts} from './facts.js';
import {planSysctls} from './plan.js';
import {probeSysctls} from './probe.js';

/** sysctlProvider manages kernel parameters: live in /proc/sys, persisted in /etc/sysctl.d/90-cosi.conf. */
export const sysctlProvider = defineProvider({
  kind: 'sysctl',
  sections: ['spec.sysctls'],
  probe: probeSysctls,
  plan: planSysctls,
  apply: applySysctl,
  facts: sysctlFacts,
});

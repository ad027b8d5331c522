import type {Provider} from '../../engine/provider.js';
import {applySysctl} from './apply.js';
import {sysctlFacts} from './facts.js';
import {planSysctls} from './plan.js';
import {probeSysctls, type SysctlObserved} from './probe.js';

/** sysctlProvider manages kernel parameters: live in /proc/sys, persisted in /etc/sysctl.d/90-cosi.conf. */
export const sysctlProvider: Provider<SysctlObserved> = {
  kind: 'sysctl',
  sections: ['spec.sysctls'],
  probe: probeSysctls,
  plan: planSysctls,
  apply: applySysctl,
  facts: sysctlFacts,
};

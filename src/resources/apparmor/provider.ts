import {defineProvider} from '../../engine/provider.js';
import {applyApparmor} from './apply.js';
import {apparmorFacts} from './facts.js';
import {planApparmor} from './plan.js';
import {probeApparmor} from './probe.js';

/** apparmorProvider manages AppArmor profiles under /etc/apparmor.d, loaded in the kernel (`localhost/<name>` for pods). */
export const apparmorProvider = defineProvider({
  kind: 'apparmor.profile',
  sections: ['spec.apparmor'],
  probe: probeApparmor,
  plan: planApparmor,
  apply: applyApparmor,
  facts: apparmorFacts,
});

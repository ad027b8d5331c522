import {defineProvider} from '../../engine/provider.js';
import {applySeccomp} from './apply.js';
import {checkSeccompProfiles} from './check-profiles.js';
import {seccompFacts} from './facts.js';
import {planSeccomp} from './plan.js';
import {probeSeccomp} from './probe.js';

/** seccompProvider manages OCI seccomp profiles under the kubelet's seccomp root (`localhostProfile`). */
export const seccompProvider = defineProvider({
  kind: 'seccomp.profile',
  sections: ['spec.seccomp'],
  probe: probeSeccomp,
  plan: planSeccomp,
  apply: applySeccomp,
  facts: seccompFacts,
  check: checkSeccompProfiles,
});

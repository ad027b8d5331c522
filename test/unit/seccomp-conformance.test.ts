import test from 'ava';
import {seccompProvider} from '../../src/resources/seccomp/provider.js';
import {conformance} from '../lib/conformance.js';

const found = '{"defaultAction": "SCMP_ACT_ALLOW"}\n';

conformance(test, {
  name: 'seccomp.profile',
  provider: seccompProvider,
  files: {'/var/lib/kubelet/seccomp/legacy.json': found},
  spec: {
    seccomp: {
      profiles: {
        'cosi/audit.json': {defaultAction: 'SCMP_ACT_LOG'},
        'legacy.json': {
          defaultAction: 'SCMP_ACT_ERRNO',
          defaultErrnoRet: 1,
          syscalls: [{names: ['read', 'write'], action: 'SCMP_ACT_ALLOW'}],
        },
      },
    },
  },
  outsideChange: (root) =>
    root.write('/var/lib/kubelet/seccomp/cosi/audit.json', '{"defaultAction": "SCMP_ACT_ALLOW"}'),
  driftedAddress: 'seccomp.profile.cosi/audit.json',
  documentChange: {
    spec: {
      seccomp: {
        profiles: {
          'cosi/audit.json': {defaultAction: 'SCMP_ACT_LOG', syscalls: [{names: ['read'], action: 'SCMP_ACT_ALLOW'}]},
          'legacy.json': {
            defaultAction: 'SCMP_ACT_ERRNO',
            defaultErrnoRet: 1,
            syscalls: [{names: ['read', 'write'], action: 'SCMP_ACT_ALLOW'}],
          },
        },
      },
    },
    address: 'seccomp.profile.cosi/audit.json',
  },
  removedSpec: {},
  async assertRestored(root) {
    if ((await root.read('/var/lib/kubelet/seccomp/cosi/audit.json')) !== undefined)
      throw new Error('cosi/audit.json is still there');
    if ((await root.read('/var/lib/kubelet/seccomp/legacy.json')) !== found)
      throw new Error('legacy.json was not put back byte for byte');
  },
});

import test from 'ava';
import {apparmorProvider} from '../../src/resources/apparmor/provider.js';
import {conformance} from '../lib/conformance.js';
import {apparmorFiles, fakeApparmorParser} from '../lib/fake-apparmor.js';

const found = '#include <tunables/global>\nprofile cosi-legacy {\n  /** r,\n}\n';

conformance(test, {
  name: 'apparmor.profile',
  provider: apparmorProvider,
  files: {...apparmorFiles, '/etc/apparmor.d/cosi-legacy': found},
  spec: {
    apparmor: {
      profiles: {
        'cosi-nginx':
          '#include <tunables/global>\nprofile cosi-nginx flags=(attach_disconnected) {\n  deny /etc/shadow r,\n}\n',
        'cosi-legacy': '#include <tunables/global>\nprofile cosi-legacy flags=(complain) {\n  /** rw,\n}\n',
      },
    },
  },
  runner: (root) => fakeApparmorParser(root),
  outsideChange: (root) => root.write('/etc/apparmor.d/cosi-nginx', 'profile cosi-nginx {}\n'),
  driftedAddress: 'apparmor.profile.cosi-nginx',
  documentChange: {
    spec: {
      apparmor: {
        profiles: {
          'cosi-nginx':
            '#include <tunables/global>\nprofile cosi-nginx flags=(attach_disconnected) {\n  deny /etc/shadow rw,\n}\n',
          'cosi-legacy': '#include <tunables/global>\nprofile cosi-legacy flags=(complain) {\n  /** rw,\n}\n',
        },
      },
    },
    address: 'apparmor.profile.cosi-nginx',
  },
  removedSpec: {},
  async assertRestored(root) {
    if ((await root.read('/etc/apparmor.d/cosi-nginx')) !== undefined) throw new Error('cosi-nginx is still there');
    if ((await root.read('/etc/apparmor.d/cosi-legacy')) !== found)
      throw new Error('cosi-legacy was not put back byte for byte');
    const loaded = (await root.read('/sys/kernel/security/apparmor/profiles')) ?? '';
    if (loaded.includes('cosi-nginx') || !loaded.includes('cosi-legacy (enforce)'))
      throw new Error(`loaded profiles are not as cosi found them:\n${loaded}`);
  },
});

import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import test from 'ava';
import {runtimeProvider} from '../../src/resources/runtime/provider.js';
import {conformance} from '../lib/conformance.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../../../fixtures/runtime');
const shipped = readFileSync(join(fixtures, 'containerd-debian-shipped.toml'), 'utf8');
const crioConf = readFileSync(join(fixtures, 'crio/crio.conf'), 'utf8');
const cgroup = {
  plugins: {'io.containerd.grpc.v1.cri': {containerd: {runtimes: {runc: {options: {SystemdCgroup: true}}}}}},
};

conformance(test, {
  name: 'runtime (containerd, in place)',
  provider: runtimeProvider,
  files: {'/etc/containerd/config.toml': shipped, '/etc/group': 'root:x:0:\ncontainerd:x:998:\n'},
  spec: {
    runtime: {
      engine: 'containerd',
      settings: {
        ...cgroup,
        plugins: {
          ...cgroup.plugins,
          'io.containerd.grpc.v1.cri': {...cgroup.plugins['io.containerd.grpc.v1.cri'], cni: {bin_dir: '/opt/cni/bin'}},
        },
      },
      socket: {group: 'containerd'},
    },
  },
  async outsideChange(root) {
    const text = (await root.read('/etc/containerd/config.toml'))!;
    await root.write('/etc/containerd/config.toml', text.replace('SystemdCgroup = true', 'SystemdCgroup = false'));
  },
  driftedAddress: 'runtime.containerd',
  documentChange: {
    spec: {
      runtime: {
        engine: 'containerd',
        settings: {
          plugins: {
            'io.containerd.grpc.v1.cri': {
              containerd: {runtimes: {runc: {options: {SystemdCgroup: false}}}},
              cni: {bin_dir: '/opt/cni/bin'},
            },
          },
        },
        socket: {group: 'containerd'},
      },
    },
    address: 'runtime.containerd',
  },
  removedSpec: {},
  async assertRestored(root) {
    if ((await root.read('/etc/containerd/config.toml')) !== shipped)
      throw new Error('config.toml is not as cosi found it');
    if ((await root.read('/var/lib/cosi/backups/etc/containerd/config.toml')) !== undefined)
      throw new Error('the backup is left behind');
  },
});

conformance(test, {
  name: 'runtime (CRI-O, drop-in)',
  provider: runtimeProvider,
  files: {'/etc/crio/crio.conf': crioConf},
  spec: {runtime: {engine: 'crio', settings: {crio: {runtime: {cgroup_manager: 'cgroupfs', conmon_cgroup: 'pod'}}}}},
  async outsideChange(root) {
    await root.write('/etc/crio/crio.conf.d/99-cosi.conf', '[crio.runtime]\ncgroup_manager = "systemd"\n');
  },
  driftedAddress: 'runtime.crio',
  documentChange: {
    spec: {runtime: {engine: 'crio', settings: {crio: {runtime: {cgroup_manager: 'systemd', conmon_cgroup: 'pod'}}}}},
    address: 'runtime.crio',
  },
  removedSpec: {},
  async assertRestored(root) {
    if ((await root.read('/etc/crio/crio.conf.d/99-cosi.conf')) !== undefined)
      throw new Error("cosi's drop-in is left behind");
    if ((await root.read('/etc/crio/crio.conf')) !== crioConf) throw new Error('crio.conf changed');
  },
});

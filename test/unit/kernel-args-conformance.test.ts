import test from 'ava';
import {kernelArgsProvider} from '../../src/resources/kernel-args/provider.js';
import {conformance} from '../lib/conformance.js';
import {bootLoaderRunner} from '../lib/fake-boot-loader.js';
import {grubFiles, rhelFiles, rhelEntries} from '../lib/kernel-args-fixtures.js';

conformance(test, {
  name: 'kernel.args (Debian GRUB)',
  provider: kernelArgsProvider,
  files: grubFiles,
  spec: {kernel: {args: ['systemd.unified_cgroup_hierarchy=1', 'quiet']}},
  runner: (root) => bootLoaderRunner(root),
  outsideChange: (root) =>
    root.write('/etc/default/grub.d/90-cosi.cfg', 'GRUB_CMDLINE_LINUX="${GRUB_CMDLINE_LINUX} mitigations=off"\n'),
  driftedAddress: 'kernel.args',
  documentChange: {
    spec: {kernel: {args: ['systemd.unified_cgroup_hierarchy=1', 'quiet', 'apparmor=1']}},
    address: 'kernel.args',
  },
  removedSpec: {},
  async assertRestored(root) {
    if ((await root.read('/etc/default/grub.d/90-cosi.cfg')) !== undefined)
      throw new Error('the drop-in is still there');
    const cfg = (await root.read('/boot/grub/grub.cfg')) ?? '';
    if (cfg.includes('systemd.unified_cgroup_hierarchy') || !cfg.includes('quiet'))
      throw new Error(`grub.cfg was not regenerated as cosi found it:\n${cfg}`);
  },
});

conformance(test, {
  name: 'kernel.args (RHEL grubby)',
  provider: kernelArgsProvider,
  files: rhelFiles,
  spec: {kernel: {args: ['systemd.unified_cgroup_hierarchy=1', 'quiet']}},
  runner: (root) => bootLoaderRunner(root, {entries: rhelEntries}),
  outsideChange: (root) =>
    root.write(
      `/boot/loader/entries/${rhelEntries[1]}.conf`,
      rhelFiles[`/boot/loader/entries/${rhelEntries[1]}.conf`]!,
    ),
  driftedAddress: 'kernel.args',
  documentChange: {
    spec: {kernel: {args: ['systemd.unified_cgroup_hierarchy=1', 'quiet', 'apparmor=1']}},
    address: 'kernel.args',
  },
  removedSpec: {},
  async assertRestored(root) {
    for (const id of rhelEntries) {
      const path = `/boot/loader/entries/${id}.conf`;
      if ((await root.read(path)) !== rhelFiles[path])
        throw new Error(`${path} is not back as cosi found it: ${await root.read(path)}`);
    }
  },
});

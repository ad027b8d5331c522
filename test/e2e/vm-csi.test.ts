// A CSI driver's node prerequisites against a real Debian 12 node in a qemu VM: the NFS CSI driver needs
// nfs-common (from a local repository of Debian's own packages; the VM has no network), the nfs module and rpcbind.
// One apply, then a reboot: everything holds and the plan is empty (docs/testing-vm.md).
import test from 'ava';
import {bootNode, cosi, planJson, sh} from '../lib/vm/node-session.js';

const documentPath = '/root/node.yaml';
const document = `apiVersion: cosi.dev/v1alpha1
kind: NodeConfig
metadata:
  name: vm-csi
spec:
  csi:
    drivers:
      nfs.csi.k8s.io:
        packages: { nfs-common: "*" }
        modules: [nfs]
        services: [rpcbind]
        # no endpoint: the driver's DaemonSet is not running on this node
`;

test("an NFS CSI driver's prerequisites apply in one go and, after a reboot, plan nothing", async (t) => {
  const vm = await bootNode(t, {repo: true});
  await vm.writeFile(documentPath, document);
  t.notRegex(
    (await vm.run(['dpkg-query', '-W', '-f', '${db:Status-Abbrev}', 'nfs-common'])).stdout,
    /^ii/,
    'nfs-common is not installed on the fresh node',
  );

  const plan = await planJson(t, vm, documentPath);
  t.deepEqual(plan.diagnostics, []);
  const addresses = plan.changes.map((c) => c.address);
  for (const a of ['package.nfs-common', 'module.nfs', 'service.rpcbind'])
    t.true(addresses.includes(a), `${a} is planned: ${addresses.join(', ')}`);
  t.true(
    addresses.indexOf('package.nfs-common') < addresses.indexOf('service.rpcbind'),
    'the package before its service',
  );

  t.is((await cosi(t, vm, 'apply', '--auto-approve', documentPath)).exitCode, 0);
  t.regex(await sh(vm, "dpkg-query -W -f '${db:Status-Abbrev}' nfs-common"), /^ii/);
  t.regex(await vm.readFile('/proc/modules'), /^nfs /m, 'nfs is loaded');
  t.is(await sh(vm, 'systemctl is-active rpcbind.service'), 'active');
  t.is(await sh(vm, 'systemctl is-enabled rpcbind.service'), 'enabled');
  t.is(
    (await cosi(t, vm, 'plan', '--detailed-exitcode', documentPath)).exitCode,
    0,
    'plan right after apply: no changes',
  );

  await vm.reboot();
  t.regex(await vm.readFile('/proc/modules'), /^nfs /m, 'nfs is loaded at boot by systemd-modules-load');
  t.is(await sh(vm, 'systemctl is-active rpcbind.service'), 'active', 'rpcbind runs after the reboot');
  t.is((await cosi(t, vm, 'plan', '--detailed-exitcode', documentPath)).exitCode, 0, 'plan after reboot: no changes');
  const drift = await cosi(t, vm, 'drift', '--json', documentPath);
  t.is(drift.exitCode, 0, 'and no drift');
});

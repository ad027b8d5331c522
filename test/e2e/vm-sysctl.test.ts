// cosi's sysctl resource against a real Debian 12 node (kernel, systemd-sysctl, reboots) in a qemu VM.
// Every test starts from a fresh node and runs the real `cosi` CLI in the guest (see docs/testing-vm.md).
import test, {type ExecutionContext} from 'ava';
import {bootNode, cosi} from '../lib/vm/node-session.js';
import type {Vm} from '../lib/vm/vm.js';

const documentPath = '/root/node.yaml';
const desired = {'net.ipv4.ip_forward': '1', 'vm.swappiness': '17', 'kernel.pid_max': '123456'};
const document = `apiVersion: cosi.dev/v1alpha1
kind: NodeConfig
metadata:
  name: vm-sysctl
spec:
  sysctls:
    net.ipv4.ip_forward: 1        # namespaced (per network namespace)
    vm.swappiness: 17             # global
    kernel.pid_max: 123456        # global
`;

async function bootSysctlNode(t: ExecutionContext): Promise<Vm> {
  const vm = await bootNode(t);
  await vm.writeFile(documentPath, document);
  return vm;
}

async function live(vm: Vm, key: string): Promise<string> {
  return (await vm.runOk(['sysctl', '-n', key])).stdout.trim().replace(/\s+/g, ' ');
}

async function assertLive(t: ExecutionContext, vm: Vm, expected: Record<string, string>, when: string): Promise<void> {
  for (const [key, value] of Object.entries(expected)) t.is(await live(vm, key), value, `${key} ${when}`);
}

test('apply sets namespaced and global sysctls, and they hold after a reboot', async (t) => {
  const vm = await bootSysctlNode(t);
  t.not(await live(vm, 'vm.swappiness'), desired['vm.swappiness'], 'the fresh node must differ from the document');

  t.is(
    (await cosi(t, vm, 'plan', '--detailed-exitcode', documentPath)).exitCode,
    2,
    'plan before apply: changes pending',
  );
  t.is((await cosi(t, vm, 'apply', '--auto-approve', documentPath)).exitCode, 0);
  await assertLive(t, vm, desired, 'after apply');
  const persisted = await vm.readFile('/etc/sysctl.d/90-cosi.conf');
  for (const key of Object.keys(desired))
    t.regex(persisted, new RegExp(`^\\s*${key.replace(/\./g, '[./]')}\\s*=`, 'm'), `${key} in 90-cosi.conf`);
  t.is(
    (await cosi(t, vm, 'plan', '--detailed-exitcode', documentPath)).exitCode,
    0,
    'plan right after apply: no changes',
  );

  await vm.reboot();
  await assertLive(t, vm, desired, 'after reboot');
  t.is(
    (await cosi(t, vm, 'plan', '--detailed-exitcode', documentPath)).exitCode,
    0,
    'plan after reboot: the persisted file was effective at boot',
  );
});

test("drift reports a value changed behind cosi's back, and apply restores it", async (t) => {
  const vm = await bootSysctlNode(t);
  t.is((await cosi(t, vm, 'apply', '--auto-approve', documentPath)).exitCode, 0);
  t.is((await cosi(t, vm, 'drift', documentPath)).exitCode, 0, 'no drift right after apply');

  await vm.runOk(['sysctl', '-w', 'vm.swappiness=33']);
  const drift = await cosi(t, vm, 'drift', documentPath);
  t.is(drift.exitCode, 2);
  t.true(drift.stdout.includes('sysctl.vm.swappiness'), 'drift names the address');
  t.false(drift.stdout.includes('sysctl.kernel.pid_max'), 'drift names only what drifted');

  t.is((await cosi(t, vm, 'apply', '--auto-approve', documentPath)).exitCode, 0);
  t.is(await live(vm, 'vm.swappiness'), '17');
  t.is((await cosi(t, vm, 'drift', documentPath)).exitCode, 0, 'no drift after apply restored it');
});

test('a file in /etc/sysctl.d that overrides a cosi value at boot is named by the plan, and wins after a reboot', async (t) => {
  const vm = await bootSysctlNode(t);
  const override = '/etc/sysctl.d/99-override.conf';
  await vm.writeFile(override, '# shipped by the distribution or another tool\nvm.swappiness = 42\n');

  const plan = await cosi(t, vm, 'plan', documentPath);
  t.is(plan.exitCode, 0);
  t.true(plan.stdout.includes(override), 'the plan names the overriding file');
  t.regex(plan.stdout, /reboot/i, 'the plan says the setting will not survive a reboot');

  t.is((await cosi(t, vm, 'apply', '--auto-approve', documentPath)).exitCode, 0);
  t.is(await live(vm, 'vm.swappiness'), '17', 'apply sets the live value regardless');
  const planAfterApply = await cosi(t, vm, 'plan', documentPath);
  t.true(planAfterApply.stdout.includes(override), 'the plan still warns about the override after apply');

  await vm.reboot();
  t.is(await live(vm, 'vm.swappiness'), '42', 'the overriding file is effective at boot');
  await assertLive(t, vm, {'net.ipv4.ip_forward': '1', 'kernel.pid_max': '123456'}, 'after reboot (not overridden)');
  const drift = await cosi(t, vm, 'drift', documentPath);
  t.is(drift.exitCode, 2, 'after the reboot the node differs from the document');
  t.true(drift.stdout.includes('sysctl.vm.swappiness'));
});

// cosi's sysctl resource against a real Debian 12 node (kernel, systemd-sysctl, reboots) in a qemu VM.
// Every test starts from a fresh node and runs the real `cosi` CLI in the guest (see docs/testing-vm.md).
import test, {type ExecutionContext} from 'ava';
import {readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {pythonStubs} from '../lib/agent-process.js';
import {ensureAptRepoDisk, useLocalRepo} from '../lib/vm/apt-repo.js';
import {ensureBaseImage} from '../lib/vm/image.js';
import {bootNode, cosi, sh} from '../lib/vm/node-session.js';
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

async function bootSysctlNode(t: ExecutionContext, extraDisks: string[] = []): Promise<Vm> {
  const vm = await bootNode(t, {extraDisks});
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

test("drift reports a value changed behind cosi's back, and apply restores it; cosi agent serves it to a Python grpcio client", async (t) => {
  // Debian's python3-grpcio for the agent part below, from a local repository disk (the guest has no network).
  const repo = await ensureAptRepoDisk(
    await ensureBaseImage(undefined, (line) => t.log(line)),
    ['python3-grpcio', 'python3-protobuf'],
    (line) => t.log(line),
  );
  const vm = await bootSysctlNode(t, [repo.disk]);
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
  await agentOnTheNode(t, vm);
});

/**
 * agentOnTheNode is acceptance 1 of the agent on a real node: `cosi agent` as a transient unit, a Python grpcio client
 * with stubs protoc made from cosi's proto/ (on the host; pure Python): List gives live values, Get of an undeclared
 * key its live value, Watch an event soon after a change behind cosi's back, an invalid Update INVALID_ARGUMENT with
 * nothing changed, a valid one applied until the plan namespace is empty.
 */
async function agentOnTheNode(t: ExecutionContext, vm: Vm): Promise<void> {
  await useLocalRepo(vm);
  await sh(vm, 'DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-grpcio python3-protobuf >/dev/null');
  const stubs = await pythonStubs();
  for (const file of readdirSync(join(stubs, 'v1alpha1')))
    await vm.writeFile(`/root/stubs/v1alpha1/${file}`, readFileSync(join(stubs, 'v1alpha1', file), 'utf8'));
  const repoDir = new URL('../../..', import.meta.url).pathname;
  await vm.writeFile('/root/client.py', readFileSync(join(repoDir, 'test/lib/cosi-state-client.py'), 'utf8'));
  await vm.writeFile('/etc/cosi/config.yaml', document);
  await sh(vm, 'systemd-run --unit cosi-agent-test /usr/local/bin/cosi agent --interval 10m');
  await sh(
    vm,
    'for i in $(seq 600); do [ -S /run/cosi/cosi.sock ] && journalctl -u cosi-agent-test | grep -q \'"msg":"reconciled"\' && exit 0; sleep 0.2; done; exit 1',
  );
  const client = async (...args: string[]) =>
    (await sh(vm, `python3 /root/client.py /root/stubs /run/cosi/${args[0]} ${args.slice(1).join(' ')}`))
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, string>);
  const listed = await client('cosi.sock', 'list', 'node', 'SysctlStatuses.cosi.dev');
  t.deepEqual(listed.map((r) => r['id']).sort(), ['kernel.pid_max', 'net.ipv4.ip_forward', 'vm.swappiness']);
  for (const r of listed) t.regex(r['yaml']!, new RegExp(`live: "${await live(vm, r['id']!)}"`), `${r['id']} live`);
  const ttl = await live(vm, 'net.ipv4.ip_default_ttl');
  const got = await client('cosi.sock', 'get', 'node', 'SysctlStatuses.cosi.dev', 'net.ipv4.ip_default_ttl');
  t.regex(got[0]!['yaml']!, new RegExp(`live: "${ttl}"`));

  await sh(
    vm,
    'systemd-run --unit cosi-watch-test -p StandardOutput=file:/root/watch.out python3 /root/client.py /root/stubs /run/cosi/cosi.sock watch node SysctlStatuses.cosi.dev 120',
  );
  await sh(
    vm,
    'for i in $(seq 600); do grep -q BOOTSTRAPPED /root/watch.out 2>/dev/null && exit 0; sleep 0.1; done; exit 1',
  );
  // Both times are the guest's: when sysctl(8) was about to change the value, and when the client got the event.
  const changed = Number(await sh(vm, 'date +%s.%N; sysctl -q -w vm.swappiness=33'));
  await sh(
    vm,
    'for i in $(seq 200); do grep -q \'"UPDATED".*live: \\\\"33\\\\"\' /root/watch.out && exit 0; sleep 0.1; done; exit 1',
  );
  const event = (await vm.readFile('/root/watch.out'))
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as {event?: string; at?: number; resource?: {yaml: string}})
    .find((e) => e.event === 'UPDATED' && /live: "33"/.test(e.resource!.yaml))!;
  const seen = Math.round((event.at! - changed) * 1000);
  t.log(`watch event in the VM ${seen} ms after the change behind cosi's back (guest clock)`);
  t.true(seen < 5_000);

  await vm.writeFile('/root/invalid.yaml', document.replace('kind: NodeConfig', 'kind: NodeConfg'));
  const refused = (
    await vm.run([
      'python3',
      '/root/client.py',
      '/root/stubs',
      '/run/cosi/cosi-admin.sock',
      'update-config',
      '/root/invalid.yaml',
    ])
  ).stdout;
  t.regex(refused, /"code": "INVALID_ARGUMENT"/);
  t.regex(refused, /config\.yaml:\d+:\d+: error/);
  t.is(await vm.readFile('/etc/cosi/config.yaml'), document, 'nothing changed');
  await vm.writeFile('/root/valid.yaml', document.replace('vm.swappiness: 17', 'vm.swappiness: 18'));
  const accepted = await client('cosi-admin.sock', 'update-config', '/root/valid.yaml');
  t.true(accepted[0]!['ok'] as unknown as boolean);
  await sh(vm, 'for i in $(seq 300); do [ "$(sysctl -n vm.swappiness)" = 18 ] && exit 0; sleep 0.2; done; exit 1');
  let changes = await client('cosi.sock', 'list', 'plan', 'Changes.cosi.dev');
  for (let i = 0; i < 50 && changes.length > 0; i++)
    changes = await client('cosi.sock', 'list', 'plan', 'Changes.cosi.dev');
  t.deepEqual(changes, [], 'the plan namespace empties');
  await sh(vm, 'systemctl stop cosi-agent-test cosi-watch-test || true');
}

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

import test from 'ava';
import {makePlan} from '../../src/engine/make-plan.js';
import {emptyState} from '../../src/engine/state.js';
import {createHost} from '../../src/host/host.js';
import {documentSections, providers} from '../../src/resources/registry.js';
import {bootView, orderSysctlFiles} from '../../src/resources/sysctl/boot-view.js';
import {parseSysctlFile} from '../../src/resources/sysctl/sysctl-d.js';
import type {NodeConfig} from '../../src/config/generated/types.js';
import {desiredFrom} from '../lib/document.js';
import {createFixtureRoot, kernelFiles} from '../lib/fixture-root.js';

async function planOn(files: Record<string, string>, spec: NodeConfig['spec']) {
  const root = await createFixtureRoot({...kernelFiles, ...files});
  try {
    return await makePlan({
      host: createHost({root: root.dir}),
      desired: desiredFrom(spec),
      state: emptyState,
      providers,
      sections: documentSections,
    });
  } finally {
    await root.cleanup();
  }
}

test('a later sysctl.d file that overrides cosi is named as not surviving a reboot', async (t) => {
  const plan = await planOn(
    {'/etc/sysctl.d/99-override.conf': 'vm.swappiness = 30\n'},
    {sysctls: {'vm.swappiness': 10}},
  );
  t.is(plan.bootNotes.length, 1);
  t.is(plan.bootNotes[0]!.file, '/etc/sysctl.d/99-override.conf');
  t.regex(plan.bootNotes[0]!.message, /99-override\.conf:1 sets "30" at boot/);
});

test('an earlier file does not override cosi, nor does a later file with the same value', async (t) => {
  const plan = await planOn(
    {'/etc/sysctl.d/10-early.conf': 'vm.swappiness = 30\n', '/etc/sysctl.d/99-same.conf': 'vm.swappiness=10\n'},
    {sysctls: {'vm.swappiness': 10}},
  );
  t.deepEqual(plan.bootNotes, []);
});

test('/etc/sysctl.conf is read last, and a /dev/null link masks a file', async (t) => {
  const plan = await planOn({'/etc/sysctl.conf': 'net.ipv4.ip_forward = 0\n'}, {sysctls: {'net.ipv4.ip_forward': 1}});
  t.is(plan.bootNotes[0]?.file, '/etc/sysctl.conf');
});

test('a file in /etc/sysctl.d hides the same name in /usr/lib/sysctl.d', (t) => {
  t.deepEqual(
    orderSysctlFiles([
      {dir: '/etc/sysctl.d', names: ['50-default.conf', 'README']},
      {dir: '/usr/lib/sysctl.d', names: ['50-default.conf', '10-a.conf']},
    ]),
    ['/usr/lib/sysctl.d/10-a.conf', '/etc/sysctl.d/50-default.conf'],
  );
});

test('an explicit assignment beats a glob regardless of order', (t) => {
  const files = [
    {path: '/etc/sysctl.d/10-a.conf', assignments: parseSysctlFile('net.ipv4.conf.all.rp_filter = 1\n')},
    {path: '/etc/sysctl.d/90-b.conf', assignments: parseSysctlFile('net.ipv4.conf.*.rp_filter = 2\n')},
  ];
  t.is(bootView(files).value('net.ipv4.conf.all.rp_filter')?.value, '1');
  t.is(bootView(files).value('net.ipv4.conf.eth0.rp_filter')?.value, '2');
  t.is(bootView(files).value('net.ipv4.ip_forward'), undefined);
});

test('a later glob pattern does not override cosi, an explicit line after cosi does; keys cosi already persists too', async (t) => {
  const plan = await planOn(
    {
      '/etc/sysctl.d/90-cosi.conf': 'net.ipv4.ip_forward = 1\nvm.swappiness = 10\n',
      '/etc/sysctl.d/95-glob.conf': 'net.ipv4.conf.*.rp_filter = 2\n',
      '/etc/sysctl.d/99-late.conf': 'vm.swappiness = 60\n',
    },
    {sysctls: {'net.ipv4.ip_forward': 1, 'vm.swappiness': 10, 'net.ipv4.conf.default.rp_filter': 1}},
  );
  t.deepEqual(
    plan.bootNotes.map((n) => [n.address, n.file]),
    [['sysctl.vm.swappiness', '/etc/sysctl.d/99-late.conf']],
  );
});

test('a key unknown to the kernel is a plan error naming the kernel', async (t) => {
  const plan = await planOn({}, {sysctls: {'net.ipv4.no_such_key': 1}});
  t.is(plan.diagnostics.length, 1);
  t.regex(
    plan.diagnostics[0]!.summary,
    /does not exist on this node: there is no \/proc\/sys\/net\/ipv4\/no_such_key on this kernel \(6\.1\.0-28-amd64\)/,
  );
  t.deepEqual(plan.diagnostics[0]!.path, ['spec', 'sysctls', 'net.ipv4.no_such_key']);
});

test('a missing net.bridge key says which module to declare', async (t) => {
  const plan = await planOn({}, {sysctls: {'net.bridge.bridge-nf-call-iptables': 1}});
  t.regex(plan.diagnostics[0]!.summary, /declare it under spec.modules \(`br_netfilter: \{\}`\)/);
});

test('a missing key provided by a declared module is planned after the module', async (t) => {
  const plan = await planOn({}, {modules: {br_netfilter: {}}, sysctls: {'net.bridge.bridge-nf-call-iptables': 1}});
  t.deepEqual(
    plan.diagnostics.filter((d) => d.path?.[1] === 'sysctls'),
    [],
  );
  const change = plan.changes.find((c) => c.address === 'sysctl.net.bridge.bridge-nf-call-iptables');
  t.deepEqual(change?.dependsOn, ['module.br_netfilter']);
  t.false(plan.unsupported.includes('spec.sysctls'));
});

test('values compare with white space folded', async (t) => {
  const plan = await planOn(
    {'/etc/sysctl.d/90-cosi.conf': 'net.ipv4.ip_local_port_range = 32768 60999\n'},
    {sysctls: {'net.ipv4.ip_local_port_range': '32768   60999'}},
  );
  t.deepEqual(plan.changes, []);
  t.is(plan.noops.length, 1);
});

test('a live value that matches but is not persisted is planned', async (t) => {
  const plan = await planOn({}, {sysctls: {'vm.swappiness': 60}});
  t.is(plan.changes.length, 1);
  t.regex(plan.changes[0]!.reason, /not persisted in \/etc\/sysctl.d\/90-cosi.conf/);
});

import test from 'ava';
import {writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {NetnsNode} from '../lib/netns.js';

// Real kernel sysctls, in a network namespace of their own, through the real CLI with --root.

function doc(sysctls: Record<string, string | number>): string {
  const lines = Object.entries(sysctls).map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`);
  return [
    'apiVersion: cosi.dev/v1alpha1',
    'kind: NodeConfig',
    'metadata: {name: netns}',
    'spec:',
    '  sysctls:',
    ...lines,
    '',
  ].join('\n');
}

test('plan, apply, plan again against real net.* sysctls; removal restores', async (t) => {
  const node = new NetnsNode();
  await node.create();
  t.teardown(() => node.destroy());
  const config = join(node.root, 'config.yaml');
  const originalForward = await node.sysctl('/proc/sys/net/ipv4/ip_forward');
  const originalRange = await node.sysctl('/proc/sys/net/ipv4/ip_local_port_range');
  await writeFile(
    config,
    doc({'net.ipv4.ip_forward': 1, 'net.ipv4.ip_local_port_range': '1024 65535', 'net/ipv4/conf/lo/arp_ignore': 1}),
  );

  const plan = await node.cosi('plan', config, '--detailed-exitcode');
  t.is(plan.exitCode, 2, plan.stderr);
  t.regex(
    plan.stdout,
    /\+ sysctl\.net\.ipv4\.ip_forward\n +live: "0" -> "1"\n +persisted in \/etc\/sysctl\.d\/90-cosi\.conf: \(none\) -> "1"/,
  );
  t.regex(plan.stdout, /Plan: 3 to create, 0 to update, 0 to delete\./);

  const apply = await node.cosi('apply', config, '--auto-approve');
  t.is(apply.exitCode, 0, apply.stderr + apply.stdout);
  t.is(await node.sysctl('/proc/sys/net/ipv4/ip_forward'), '1');
  t.is((await node.sysctl('/proc/sys/net/ipv4/ip_local_port_range')).replace(/\s+/g, ' '), '1024 65535');
  t.is(await node.sysctl('/proc/sys/net/ipv4/conf/lo/arp_ignore'), '1');
  const persisted = await node.file('/etc/sysctl.d/90-cosi.conf');
  t.regex(persisted ?? '', /net\.ipv4\.ip_forward = 1\n/);
  t.regex(persisted ?? '', /net\.ipv4\.conf\.lo\.arp_ignore = 1\n/);

  const again = await node.cosi('plan', config, '--detailed-exitcode');
  t.is(again.exitCode, 0, again.stdout);
  t.regex(again.stdout, /No changes\. The node matches the configuration\./);

  const second = await node.cosi('apply', config, '--auto-approve', '--json');
  t.is(second.exitCode, 0);
  t.regex(second.stdout, /"applied":0/);

  // Behind cosi's back: drift exits 2 and names the address; apply repairs it.
  await node.exec(['sh', '-c', 'echo 0 > /proc/sys/net/ipv4/ip_forward']);
  const drift = await node.cosi('drift', config);
  t.is(drift.exitCode, 2);
  t.regex(drift.stdout, /sysctl\.net\.ipv4\.ip_forward \(the node changed behind cosi\)/);
  t.is((await node.cosi('apply', config, '--auto-approve')).exitCode, 0);
  t.is(await node.sysctl('/proc/sys/net/ipv4/ip_forward'), '1');

  // Removing keys restores what cosi found and removes their lines.
  await writeFile(config, doc({'net.ipv4.ip_forward': 1}));
  const removal = await node.cosi('apply', config, '--auto-approve');
  t.is(removal.exitCode, 0, removal.stderr);
  t.is(await node.sysctl('/proc/sys/net/ipv4/ip_local_port_range'), originalRange);
  t.notRegex((await node.file('/etc/sysctl.d/90-cosi.conf')) ?? '', /ip_local_port_range/);
  await writeFile(config, doc({}).replace('  sysctls:\n', '  sysctls: {}\n'));
  t.is((await node.cosi('apply', config, '--auto-approve')).exitCode, 0);
  t.is(await node.sysctl('/proc/sys/net/ipv4/ip_forward'), originalForward);
  t.is(await node.file('/etc/sysctl.d/90-cosi.conf'), undefined);
});

test('a key unknown to the kernel is a clear plan error', async (t) => {
  const node = new NetnsNode();
  await node.create();
  t.teardown(() => node.destroy());
  const config = join(node.root, 'config.yaml');
  await writeFile(config, doc({'net.ipv4.no_such_parameter': 1}));
  const plan = await node.cosi('plan', config);
  t.is(plan.exitCode, 1);
  t.regex(plan.stderr, /config\.yaml:6:5: error: sysctl net\.ipv4\.no_such_parameter does not exist on this node/);
  t.notRegex(plan.stderr, /\n\s+at /);
});

test('the kernel rejecting a value fails the apply with a clear report and changes nothing else', async (t) => {
  const node = new NetnsNode();
  await node.create();
  t.teardown(() => node.destroy());
  const config = join(node.root, 'config.yaml');
  await writeFile(config, doc({'net.ipv4.ip_forward': 1, 'net.ipv4.tcp_syncookies': 'banana'}));
  const apply = await node.cosi('apply', config, '--auto-approve');
  t.is(apply.exitCode, 1);
  t.regex(
    apply.stderr,
    /Apply failed at sysctl\.net\.ipv4\.tcp_syncookies: writing "banana" to \/proc\/sys\/net\/ipv4\/tcp_syncookies failed: the kernel rejected the value/,
  );
  t.regex(apply.stderr, /1 of 2 changes were made/);
  t.is(await node.file('/var/lib/cosi/journal.jsonl'), undefined, 'a reported failure leaves no journal behind');
});

test('a later sysctl.d file overriding cosi is named in the plan', async (t) => {
  const node = new NetnsNode();
  await node.create();
  t.teardown(() => node.destroy());
  const config = join(node.root, 'config.yaml');
  await writeFile(config, doc({'net.ipv4.ip_forward': 1}));
  await node.writeFile('/etc/sysctl.d/99-override.conf', 'net.ipv4.ip_forward = 0\n');
  const plan = await node.cosi('plan', config);
  t.regex(
    plan.stdout,
    /Will not survive a reboot:\n {2}! sysctl\.net\.ipv4\.ip_forward: \/etc\/sysctl\.d\/99-override\.conf:1 sets "0" at boot/,
  );
  const json = JSON.parse((await node.cosi('plan', config, '--json')).stdout);
  t.is(json.notSurvivingReboot[0].file, '/etc/sysctl.d/99-override.conf');
});

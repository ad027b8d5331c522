import test from 'ava';
import {spawn} from 'node:child_process';
import {chmod, readFile, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {pythonClient, pythonStubs, startAgent, type AgentProcess} from '../lib/agent-process.js';
import {NetnsNode} from '../lib/netns.js';

// `cosi agent` against real kernel sysctls (a network namespace of its own) and a temporary root, driven by a client
// that is not cosi's: Debian's python3-grpcio with stubs protoc makes from cosi's proto/ at test time. The same agent
// serves the socket-permission checks, run as a user without and with the socket group (setpriv: no user is added
// to this machine).

const socketGroup = 64123;
const nobody = ['setpriv', '--reuid', '65534', '--regid', '65534'];

function doc(sysctls: Record<string, string | number>): string {
  return [
    'apiVersion: cosi.dev/v1alpha1',
    'kind: NodeConfig',
    'metadata: {name: agent}',
    'spec:',
    '  sysctls:',
    ...Object.entries(sysctls).map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`),
    '',
  ].join('\n');
}

interface Wire {
  readonly id: string;
  readonly version: string;
  readonly labels: Record<string, string>;
  readonly yaml: string;
}

test('a Python grpcio client lists, gets, watches and updates through the sockets; socket modes keep readers from writing', async (t) => {
  const node = new NetnsNode();
  await node.create();
  t.teardown(() => node.destroy());
  // Other users must reach the socket's directory (mkdtemp made the root 0700).
  await chmod(node.root, 0o755);
  const stubs = await pythonStubs();
  await chmod(stubs, 0o755);
  await node.writeFile('/etc/cosi/config.yaml', doc({'net.ipv4.ip_forward': 1}));
  await chmod(join(node.root, 'etc/cosi/config.yaml'), 0o644);
  // /metrics is served on the namespace's loopback.
  await node.exec(['ip', 'link', 'set', 'lo', 'up']);
  const started = Date.now();
  const agent: AgentProcess = await startAgent({
    root: node.root,
    prefix: node.prefix(),
    args: ['--interval', '10m', '--socket-group', String(socketGroup), '--metrics', '127.0.0.1:19731'],
    waitFor: /"msg":"reconciled"/,
  });
  t.teardown(() => agent.stop('SIGKILL'));
  t.log(`agent up and first reconcile done in ${Date.now() - started} ms`);
  const read = join(node.root, 'run/cosi/cosi.sock');
  const admin = join(node.root, 'run/cosi/cosi-admin.sock');

  // List of sysctls: the declared key, with its live value (applied at start).
  const list = await pythonClient(stubs, read, ['list', 'node', 'SysctlStatuses.cosi.dev']);
  t.is(list.code, 0, list.stderr + JSON.stringify(list.lines));
  const forward = list.lines.find((l) => l['id'] === 'net.ipv4.ip_forward') as unknown as Wire;
  t.truthy(forward);
  t.regex(forward.yaml, new RegExp(`live: "${await node.sysctl('/proc/sys/net/ipv4/ip_forward')}"`));
  t.regex(forward.yaml, /live: "1"/);
  t.is(forward.labels['cosi.dev/managed'], 'true');
  const labelled = await pythonClient(stubs, read, [
    'list',
    'node',
    'SysctlStatuses.cosi.dev',
    'cosi.dev/managed=false',
  ]);
  t.deepEqual(labelled.lines, [], 'a label query leaves out the managed key');

  // Get of a key nobody declared: its live value, read from the kernel.
  const ttl = await node.sysctl('/proc/sys/net/ipv4/ip_default_ttl');
  const got = await pythonClient(stubs, read, ['get', 'node', 'SysctlStatuses.cosi.dev', 'net.ipv4.ip_default_ttl']);
  t.is(got.code, 0, got.stderr);
  t.regex(String(got.lines[0]!['yaml']), new RegExp(`live: "${ttl}"`));
  const missing = await pythonClient(stubs, read, ['get', 'node', 'SysctlStatuses.cosi.dev', 'net.ipv4.no_such_key']);
  t.is(missing.lines[0]!['code'], 'NOT_FOUND');

  // Watch: an event within 5 s of a value changed behind cosi's back.
  const watcher = spawn('/usr/bin/python3', [
    join(process.cwd(), 'test/lib/cosi-state-client.py'),
    stubs,
    read,
    'watch',
    'node',
    'SysctlStatuses.cosi.dev',
    '30',
  ]);
  const events: Record<string, unknown>[] = [];
  let buffered = '';
  watcher.stdout.on('data', (chunk: Buffer) => {
    const lines = (buffered + chunk.toString()).split('\n');
    buffered = lines.pop()!;
    for (const l of lines) if (l.startsWith('{')) events.push({...(JSON.parse(l) as object), at: Date.now()});
  });
  t.teardown(() => watcher.kill());
  await until(() => events.some((e) => e['event'] === 'BOOTSTRAPPED'), 10_000, 'the watch bootstraps');
  t.true(
    events.some((e) => e['ready'] === true),
    'an empty response first says the watch is set up',
  );
  t.true(events.some((e) => e['event'] === 'CREATED' && (e['resource'] as Wire).id === 'net.ipv4.ip_forward'));
  const changedAt = Date.now();
  await node.exec(['sh', '-c', 'echo 0 > /proc/sys/net/ipv4/ip_forward']);
  await until(
    () => events.some((e) => e['event'] === 'UPDATED' && /live: "0"/.test((e['resource'] as Wire).yaml)),
    5_000,
    'an UPDATED event with the new live value within 5 s',
  );
  const event = events.find((e) => e['event'] === 'UPDATED')!;
  t.log(`watch event ${Number(event['at']) - changedAt} ms after the change behind cosi's back`);
  t.true(Number((event['resource'] as Wire).version) > Number(forward.version), 'the version increased');

  // The change is drift at once: a change in the plan namespace, and in /metrics (cause: the node).
  await until(
    async () =>
      (await pythonClient(stubs, read, ['list', 'plan', 'Changes.cosi.dev'])).lines.some(
        (l) => l['id'] === 'sysctl.net.ipv4.ip_forward',
      ),
    5_000,
    'the plan namespace holds the change',
  );
  t.regex(
    (await node.exec(['curl', '-sf', 'http://127.0.0.1:19731/metrics'])).stdout,
    /^cosi_drift_resources\{kind="sysctl",cause="node"\} 1$/m,
  );

  // Update with an invalid document: INVALID_ARGUMENT with located diagnostics, nothing changed.
  const before = await readFile(join(node.root, 'etc/cosi/config.yaml'), 'utf8');
  const configBefore = (await pythonClient(stubs, read, ['get', 'config', 'NodeConfigs.cosi.dev', 'current']))
    .lines[0] as unknown as Wire;
  const invalid = join(node.root, 'invalid.yaml');
  await writeFile(invalid, doc({'net.ipv4.ip_forward': 1}).replace('kind: NodeConfig', 'kind: NodeConfg'));
  await chmod(invalid, 0o644);
  const refused = await pythonClient(stubs, admin, ['update-config', invalid]);
  t.is(refused.lines[0]!['code'], 'INVALID_ARGUMENT', JSON.stringify(refused.lines));
  t.regex(String(refused.lines[0]!['details']), /config\.yaml:2:7: error: .*kind/);
  t.regex(
    String((refused.lines[0]!['trailers'] as Record<string, string>)['cosi-diagnostics-bin']),
    /"severity":"error"/,
  );
  t.is(await readFile(join(node.root, 'etc/cosi/config.yaml'), 'utf8'), before, 'the document on disk is unchanged');
  const configAfter = (await pythonClient(stubs, read, ['get', 'config', 'NodeConfigs.cosi.dev', 'current']))
    .lines[0] as unknown as Wire;
  t.is(configAfter.version, configBefore.version, 'the config resource is unchanged');

  // Sockets (acceptance 2): outside the group no connection to the read socket; in it, reads but no writes; the
  // admin socket is root's alone.
  const outsider = await pythonClient(
    stubs,
    read,
    ['list', 'node', 'SysctlStatuses.cosi.dev'],
    [...nobody, '--clear-groups'],
  );
  t.is(outsider.lines[0]?.['code'], 'UNAVAILABLE', JSON.stringify(outsider));
  const member = [...nobody, '--groups', String(socketGroup)];
  const reader = await pythonClient(stubs, read, ['list', 'node', 'SysctlStatuses.cosi.dev'], member);
  t.is(reader.code, 0, reader.stderr + JSON.stringify(reader.lines));
  t.true(reader.lines.some((l) => l['id'] === 'net.ipv4.ip_forward'));
  const valid = join(node.root, 'valid.yaml');
  await writeFile(valid, doc({'net.ipv4.ip_forward': 1, 'net.ipv4.ip_default_ttl': 77}));
  await chmod(valid, 0o644);
  const readerWrite = await pythonClient(stubs, read, ['update-config', valid], member);
  t.is(readerWrite.lines[0]?.['code'], 'PERMISSION_DENIED', JSON.stringify(readerWrite));
  const memberAdmin = await pythonClient(stubs, admin, ['list', 'node', 'SysctlStatuses.cosi.dev'], member);
  t.is(memberAdmin.lines[0]?.['code'], 'UNAVAILABLE', JSON.stringify(memberAdmin));
  t.is(await node.sysctl('/proc/sys/net/ipv4/ip_default_ttl'), ttl, 'the refused writes changed nothing');

  // Update with a valid document (root, admin socket): applied, and the plan namespace empties.
  const updatedAt = Date.now();
  const accepted = await pythonClient(stubs, admin, ['update-config', valid]);
  t.is(accepted.code, 0, JSON.stringify(accepted));
  t.true(Number((accepted.lines[0]!['resource'] as Wire).version) > Number(configAfter.version));
  t.is(
    await readFile(join(node.root, 'etc/cosi/config.yaml'), 'utf8'),
    await readFile(valid, 'utf8'),
    'stored as the default document',
  );
  await until(
    async () => (await node.sysctl('/proc/sys/net/ipv4/ip_default_ttl')) === '77',
    20_000,
    'the new key is applied',
  );
  await until(
    async () =>
      (await pythonClient(stubs, read, ['list', 'plan', 'Changes.cosi.dev'])).lines.length === 0 &&
      (await node.sysctl('/proc/sys/net/ipv4/ip_forward')) === '1',
    20_000,
    'the plan namespace empties',
  );
  t.log(`valid Update applied and the plan empty ${Date.now() - updatedAt} ms after it`);

  // /metrics and /healthz.
  const metrics = (await node.exec(['curl', '-sf', 'http://127.0.0.1:19731/metrics'])).stdout;
  t.regex(metrics, /^cosi_drift_total 0$/m);
  t.regex(metrics, /^cosi_agent_applies_total\{result="ok"\} [1-9]/m);
  t.regex(metrics, /^cosi_agent_apply_duration_seconds_count [1-9]/m);
  t.is((await node.exec(['curl', '-sf', 'http://127.0.0.1:19731/healthz'])).stdout, 'ok\n');

  // SIGTERM: the agent stops and removes its sockets.
  t.is(await agent.stop('SIGTERM'), 0);
  await t.throwsAsync(readFile(read));
  t.true(
    agent.log.every((l) => l.startsWith('{')),
    'every log line is JSON',
  );
});

async function until(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

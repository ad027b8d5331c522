// The single executable (dist/release/cosi-VERSION-linux-x64) against real components: it answers like
// `node bin/cosi.js`, reads its package files from its own assets, and reaches CSI drivers over gRPC with the
// grpc-js it carries (fake CSI servers on unix sockets, as the CLI test in test/unit/csi-probe.test.ts).
import test from 'ava';
import {spawn} from 'node:child_process';
import {readFile} from 'node:fs/promises';
import {join} from 'node:path';
import {repoRoot} from '../lib/debian-root.js';
import {identityServer, registrationServer} from '../lib/csi-servers.js';
import {createFixtureRoot} from '../lib/fixture-root.js';
import {cosiVersion, releaseArtifact} from '../lib/release.js';

const executable = releaseArtifact('executable');

/** cosi runs the executable with no Node.js on its PATH and from a directory outside the checkout. */
function cosi(args: readonly string[]): Promise<{code: number | null; stdout: string; stderr: string}> {
  return new Promise((done) => {
    const child = spawn(executable, args, {
      cwd: '/',
      env: {PATH: '/usr/sbin:/usr/bin:/sbin:/bin', NO_COLOR: '1'},
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('close', (code) => done({code, stdout, stderr}));
  });
}

test('--version and `version` come from the embedded package.json', async (t) => {
  t.is((await cosi(['--version'])).stdout, `cosi ${cosiVersion}\n`);
  const schema = await cosi(['schema']);
  t.is(schema.code, 0, schema.stderr);
  t.is(schema.stdout.trim(), (await readFile(join(repoRoot, 'schemas/cosi.schema.json'), 'utf8')).trim());
});

test('validate and plan of the example document against a fixture root', async (t) => {
  const example = join(repoRoot, 'cosi.config.example.yaml');
  const valid = await cosi(['validate', example]);
  t.is(valid.code, 0, valid.stderr);
  t.regex(valid.stdout + valid.stderr, /valid NodeConfig "worker"/);
  const root = await createFixtureRoot({
    '/proc/sys/kernel/osrelease': '6.1.0-28-amd64\n',
    '/proc/sys/net/ipv4/ip_forward': '0\n',
  });
  t.teardown(() => root.cleanup());
  const doc = join(root.dir, 'node.yaml');
  await root.write(
    '/node.yaml',
    'apiVersion: cosi.dev/v1alpha1\nkind: NodeConfig\nmetadata: {name: n}\nspec:\n  sysctls:\n    net.ipv4.ip_forward: 1\n',
  );
  const plan = await cosi(['plan', doc, '--root', root.dir, '--json', '--detailed-exitcode']);
  t.is(plan.code, 2, plan.stderr);
  t.like(JSON.parse(plan.stdout), {changes: [{address: 'sysctl.net.ipv4.ip_forward'}]});
});

test('a CSI probe from the executable reaches the drivers over gRPC: facts --json', async (t) => {
  const endpoint = '/var/lib/kubelet/plugins/csi-nfsplugin/csi.sock';
  const root = await createFixtureRoot({[`${endpoint}.keep`]: '', '/var/lib/kubelet/plugins_registry/.keep': ''});
  t.teardown(() => root.cleanup());
  const plugin = await identityServer(join(root.dir, endpoint), 'nfs.csi.k8s.io', true);
  const registrar = await registrationServer(
    join(root.dir, '/var/lib/kubelet/plugins_registry/nfs.csi.k8s.io-reg.sock'),
    'nfs.csi.k8s.io',
    endpoint,
  );
  t.teardown(() => {
    plugin.forceShutdown();
    registrar.forceShutdown();
  });
  const run = await cosi(['facts', '--json', '--root', root.dir]);
  t.is(run.code, 0, run.stderr);
  const facts = JSON.parse(run.stdout) as {
    'csi.driver': {drivers: Array<{name: string; healthy: boolean; vendorVersion: string}>};
  };
  t.like(facts['csi.driver'].drivers[0], {name: 'nfs.csi.k8s.io', healthy: true, vendorVersion: 'v4.9.0'});
});

test('the executable runs cosi agent (its embedded grpc-js and protobufjs) and cosi get reads it over the socket', async (t) => {
  const root = await createFixtureRoot({
    '/proc/sys/kernel/osrelease': '6.1.0-28-amd64\n',
    '/proc/sys/vm/swappiness': '60\n',
    '/etc/cosi/config.yaml':
      'apiVersion: cosi.dev/v1alpha1\nkind: NodeConfig\nmetadata: {name: sea}\nspec:\n  sysctls:\n    vm.swappiness: 10\n',
  });
  t.teardown(() => root.cleanup());
  const agent = spawn(executable, ['agent', '--root', root.dir, '--interval', '10m'], {
    cwd: '/',
    env: {PATH: '/usr/sbin:/usr/bin:/sbin:/bin'},
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  agent.stderr.setEncoding('utf8').on('data', (c: string) => (log += c));
  const exited = new Promise<number | null>((resolve) => agent.on('exit', (code) => resolve(code)));
  t.teardown(() => agent.kill('SIGKILL'));
  for (let i = 0; i < 300 && !/"msg":"reconciled"/.test(log); i++) await new Promise((r) => setTimeout(r, 100));
  t.regex(log, /"msg":"reconciled".*"pending":0/);
  const got = await cosi(['get', 'sysctls', 'vm.swappiness', '--root', root.dir, '--json']);
  t.is(got.code, 0, got.stderr);
  t.like(JSON.parse(got.stdout), {metadata: {id: 'vm.swappiness'}, spec: {live: '10', managed: true}});
  agent.kill('SIGTERM');
  t.is(await exited, 0, log);
});

import test from 'ava';
import {createServer, type Server as NetServer, type Socket} from 'node:net';
import {join} from 'node:path';
import {createHost, type Host} from '../../src/host/host.js';
import {probeDriver} from '../../src/resources/csi/driver-health.js';
import {csiFacts} from '../../src/resources/csi/facts.js';
import {planCsi} from '../../src/resources/csi/plan.js';
import {probeCsi} from '../../src/resources/csi/probe.js';
import {emptyState} from '../../src/engine/state.js';
import {desiredFrom} from '../lib/document.js';
import {identityServer, registrationServer} from '../lib/csi-servers.js';
import {runCli} from '../lib/run-cli.js';
import {createFixtureRoot, type FixtureRoot} from '../lib/fixture-root.js';

const endpoint = '/var/lib/kubelet/plugins/csi-nfsplugin/csi.sock';
async function node(t: {teardown(fn: () => unknown): void}): Promise<{root: FixtureRoot; host: Host}> {
  const root = await createFixtureRoot({[`${endpoint}.keep`]: '', '/var/lib/kubelet/plugins_registry/.keep': ''});
  t.teardown(() => root.cleanup());
  return {root, host: createHost({root: root.dir})};
}

const spec = {csi: {drivers: {'nfs.csi.k8s.io': {packages: {'nfs-common': '*'}, endpoint}}}};

async function planned(host: Host) {
  const desired = desiredFrom(spec);
  const plan = planCsi({desired, observed: await probeCsi({host, desired, state: emptyState}), state: emptyState});
  return {
    changes: plan.changes.filter((c) => c.action !== 'noop'),
    noops: plan.changes.filter((c) => c.action === 'noop'),
    diagnostics: plan.diagnostics ?? [],
    conditions: plan.conditions ?? [],
  };
}

test('ready driver with the declared name: noop, no diagnostic', async (t) => {
  const {root, host} = await node(t);
  const server = await identityServer(join(root.dir, endpoint), 'nfs.csi.k8s.io', true);
  t.teardown(() => server.forceShutdown());
  t.like(await probeDriver(host, endpoint), {
    state: 'answered',
    name: 'nfs.csi.k8s.io',
    vendorVersion: 'v4.9.0',
    ready: true,
  });
  const plan = await planned(host);
  t.deepEqual(
    plan.noops.map((c) => [c.address, c.action, c.reason]),
    [['csi.driver.nfs.csi.k8s.io', 'noop', 'nfs.csi.k8s.io v4.9.0 is ready']],
  );
  t.deepEqual(plan.diagnostics, []);
  t.deepEqual(plan.conditions, []);
});

test('a Probe without `ready` counts as ready (CSI spec)', async (t) => {
  const {root, host} = await node(t);
  const server = await identityServer(join(root.dir, endpoint), 'nfs.csi.k8s.io', undefined);
  t.teardown(() => server.forceShutdown());
  t.like(await probeDriver(host, endpoint), {state: 'answered', ready: true});
});

test('not ready: a condition of the plan, not a change (apply never fails on it)', async (t) => {
  const {root, host} = await node(t);
  const server = await identityServer(join(root.dir, endpoint), 'nfs.csi.k8s.io', false);
  t.teardown(() => server.forceShutdown());
  const plan = await planned(host);
  t.deepEqual(plan.changes, []);
  t.deepEqual(
    plan.noops.map((c) => c.address),
    ['csi.driver.nfs.csi.k8s.io'],
  );
  t.deepEqual(plan.diagnostics, []);
  t.deepEqual(
    plan.conditions.map((c) => [c.address, c.kind, c.type]),
    [['csi.driver.nfs.csi.k8s.io', 'csi.driver', 'csi-driver-unhealthy']],
  );
  t.regex(
    plan.conditions[0]!.message,
    /CSI driver nfs\.csi\.k8s\.io is not healthy: Identity\.Probe says it is not ready\. cosi reports driver health; it never starts drivers/,
  );
});

test('wrong name: reported with both names', async (t) => {
  const {root, host} = await node(t);
  const server = await identityServer(join(root.dir, endpoint), 'smb.csi.k8s.io', true);
  t.teardown(() => server.forceShutdown());
  const plan = await planned(host);
  t.regex(
    plan.conditions[0]!.message,
    new RegExp(`the plugin at ${endpoint} is "smb\\.csi\\.k8s\\.io", not "nfs\\.csi\\.k8s\\.io"`),
  );
  t.deepEqual(plan.changes, []);
});

test('no socket: reported without a connection attempt', async (t) => {
  const {host} = await node(t);
  const plan = await planned(host);
  t.regex(plan.conditions[0]!.message, /its socket .*csi\.sock does not exist \(the node plugin is not running\)/);
});

test('a socket that accepts and never answers: bounded by the timeout', async (t) => {
  const {root, host} = await node(t);
  const sockets: Socket[] = [];
  const silent: NetServer = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(join(root.dir, endpoint), resolve));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    silent.close();
  });
  const started = Date.now();
  const health = await probeDriver(host, endpoint, 400);
  const elapsed = Date.now() - started;
  t.like(health, {state: 'timeout', call: 'GetPluginInfo', timeoutMs: 400});
  // Only the lower bound: an upper one would time the machine, not cosi (the state says the deadline ended it).
  t.true(elapsed >= 350, `took ${elapsed} ms`);
  t.true(sockets.length > 0, 'the connection was accepted');
});

test('a socket path that is a plain file is not a socket', async (t) => {
  const {root, host} = await node(t);
  await root.write(endpoint, 'x');
  t.like(await probeDriver(host, endpoint), {state: 'unreachable', reason: 'it exists but is not a unix socket'});
});

test('facts: drivers registered with the kubelet, and their health', async (t) => {
  const {root, host} = await node(t);
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
  t.deepEqual(await csiFacts({host}), {
    pluginsRegistry: '/var/lib/kubelet/plugins_registry',
    drivers: [
      {
        registration: '/var/lib/kubelet/plugins_registry/nfs.csi.k8s.io-reg.sock',
        name: 'nfs.csi.k8s.io',
        endpoint,
        versions: ['1.0.0'],
        healthy: true,
        vendorVersion: 'v4.9.0',
      },
    ],
  });
});

test('the command line (the bundle, with grpc-js outside it) reaches the drivers: facts --json', async (t) => {
  const {root} = await node(t);
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
  const run = await runCli(['facts', '--json', '--root', root.dir]);
  t.is(run.exitCode, 0, run.stderr);
  const facts = JSON.parse(run.stdout) as {'csi.driver': {drivers: Array<{name: string; healthy: boolean}>}};
  t.like(facts['csi.driver'].drivers[0], {name: 'nfs.csi.k8s.io', healthy: true});
});

// SPEC §2: a driver not running is a condition. On a first boot cosi-apply.service runs before the kubelet, so
// apply must succeed; plan, drift (exit 0 when nothing else differs) and the textfile metric report the driver.
test('the command line: a declared driver not running is a condition — apply exits 0; plan, drift, its metric and facts report it', async (t) => {
  const {root} = await node(t);
  const file = join(root.dir, 'cosi.yaml');
  await root.write(
    '/cosi.yaml',
    `apiVersion: cosi.dev/v1alpha1\nkind: NodeConfig\nmetadata: {name: worker}\nspec:\n  csi:\n    drivers:\n      nfs.csi.k8s.io: {endpoint: ${endpoint}}\n`,
  );
  const apply = await runCli(['apply', file, '--auto-approve', '--root', root.dir]);
  t.is(apply.exitCode, 0, apply.stderr);
  t.regex(
    apply.stderr,
    /condition: csi\.driver\.nfs\.csi\.k8s\.io: CSI driver nfs\.csi\.k8s\.io is not healthy: its socket \S+ does not exist/,
  );
  const plan = await runCli(['plan', file, '--root', root.dir, '--detailed-exitcode', '--no-color']);
  t.is(plan.exitCode, 0, plan.stderr);
  t.regex(
    plan.stdout,
    /Conditions \(cosi reports them; apply does not change them and does not fail on them\):\n {2}\? csi\.driver\.nfs\.csi\.k8s\.io: CSI driver nfs\.csi\.k8s\.io is not healthy/,
  );
  t.regex(plan.stdout, /No changes\. The node matches the configuration\./);
  const json = await runCli(['plan', file, '--root', root.dir, '--json']);
  t.like(JSON.parse(json.stdout), {
    changes: [],
    conditions: [{address: 'csi.driver.nfs.csi.k8s.io', kind: 'csi.driver', type: 'csi-driver-unhealthy'}],
  });
  const textfile = join(root.dir, 'metrics/cosi.prom');
  const drift = await runCli(['drift', file, '--root', root.dir, '--json', '--textfile', textfile]);
  t.is(drift.exitCode, 0, 'conditions alone are not drift');
  t.like(JSON.parse(drift.stdout), {
    type: 'drift',
    drifted: false,
    conditions: [{address: 'csi.driver.nfs.csi.k8s.io'}],
  });
  const metrics = (await root.read('/metrics/cosi.prom'))!;
  t.regex(
    metrics,
    /^cosi_condition\{kind="csi\.driver",address="csi\.driver\.nfs\.csi\.k8s\.io",type="csi-driver-unhealthy"\} 1$/m,
  );
  t.regex(metrics, /^cosi_conditions_total 1$/m);
  t.regex(metrics, /^cosi_drift_total 0$/m);
  // facts reports the default document's conditions.
  await root.write('/etc/cosi/config.yaml', (await root.read('/cosi.yaml'))!);
  const facts = await runCli(['facts', '--json', '--root', root.dir]);
  t.is(facts.exitCode, 0, facts.stderr);
  t.like(JSON.parse(facts.stdout), {
    conditions: {
      document: '/etc/cosi/config.yaml',
      items: [{address: 'csi.driver.nfs.csi.k8s.io', type: 'csi-driver-unhealthy'}],
    },
  });
});

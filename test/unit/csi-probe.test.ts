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
  return {changes: plan.changes, diagnostics: plan.diagnostics ?? []};
}

test('ready driver with the declared name: noop, no diagnostic', async (t) => {
  const {root, host} = await node(t);
  const server = await identityServer(join(root.dir, endpoint), 'nfs.csi.k8s.io', true);
  t.teardown(() => server.forceShutdown());
  t.like(await probeDriver(host, endpoint), {state: 'answered', name: 'nfs.csi.k8s.io', vendorVersion: 'v4.9.0', ready: true});
  const plan = await planned(host);
  t.deepEqual(plan.changes.map((c) => [c.address, c.action, c.reason]), [['csi.driver.nfs.csi.k8s.io', 'noop', 'nfs.csi.k8s.io v4.9.0 is ready']]);
  t.deepEqual(plan.diagnostics, []);
});

test('a Probe without `ready` counts as ready (CSI spec)', async (t) => {
  const {root, host} = await node(t);
  const server = await identityServer(join(root.dir, endpoint), 'nfs.csi.k8s.io', undefined);
  t.teardown(() => server.forceShutdown());
  t.like(await probeDriver(host, endpoint), {state: 'answered', ready: true});
});

test('not ready: a warning at the endpoint and an update change for drift', async (t) => {
  const {root, host} = await node(t);
  const server = await identityServer(join(root.dir, endpoint), 'nfs.csi.k8s.io', false);
  t.teardown(() => server.forceShutdown());
  const plan = await planned(host);
  t.deepEqual(plan.changes.map((c) => c.action), ['update']);
  t.is(plan.diagnostics.length, 1);
  t.is(plan.diagnostics[0]!.severity, 'warning');
  t.deepEqual(plan.diagnostics[0]!.path, ['spec', 'csi', 'drivers', 'nfs.csi.k8s.io', 'endpoint']);
  t.regex(plan.diagnostics[0]!.summary, /CSI driver nfs\.csi\.k8s\.io is not healthy: Identity\.Probe says it is not ready\. cosi reports driver health; it never starts drivers/);
});

test('wrong name: reported with both names', async (t) => {
  const {root, host} = await node(t);
  const server = await identityServer(join(root.dir, endpoint), 'smb.csi.k8s.io', true);
  t.teardown(() => server.forceShutdown());
  const plan = await planned(host);
  t.regex(plan.diagnostics[0]!.summary, new RegExp(`the plugin at ${endpoint} is "smb\\.csi\\.k8s\\.io", not "nfs\\.csi\\.k8s\\.io"`));
  t.deepEqual(plan.changes.map((c) => c.action), ['update']);
});

test('no socket: reported without waiting', async (t) => {
  const {host} = await node(t);
  const started = Date.now();
  const plan = await planned(host);
  t.true(Date.now() - started < 1000);
  t.regex(plan.diagnostics[0]!.summary, /its socket .*csi\.sock does not exist \(the node plugin is not running\)/);
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
  t.true(elapsed >= 350 && elapsed < 2000, `took ${elapsed} ms`);
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
  const registrar = await registrationServer(join(root.dir, '/var/lib/kubelet/plugins_registry/nfs.csi.k8s.io-reg.sock'), 'nfs.csi.k8s.io', endpoint);
  t.teardown(() => {
    plugin.forceShutdown();
    registrar.forceShutdown();
  });
  t.deepEqual(await csiFacts({host}), {
    pluginsRegistry: '/var/lib/kubelet/plugins_registry',
    drivers: [{registration: '/var/lib/kubelet/plugins_registry/nfs.csi.k8s.io-reg.sock', name: 'nfs.csi.k8s.io', endpoint, versions: ['1.0.0'], healthy: true, vendorVersion: 'v4.9.0'}],
  });
});

test('the command line (the bundle, with grpc-js outside it) reaches the drivers: facts --json', async (t) => {
  const {root} = await node(t);
  const plugin = await identityServer(join(root.dir, endpoint), 'nfs.csi.k8s.io', true);
  const registrar = await registrationServer(join(root.dir, '/var/lib/kubelet/plugins_registry/nfs.csi.k8s.io-reg.sock'), 'nfs.csi.k8s.io', endpoint);
  t.teardown(() => {
    plugin.forceShutdown();
    registrar.forceShutdown();
  });
  const run = await runCli(['facts', '--json', '--root', root.dir]);
  t.is(run.exitCode, 0, run.stderr);
  const facts = JSON.parse(run.stdout) as {'csi.driver': {drivers: Array<{name: string; healthy: boolean}>}};
  t.like(facts['csi.driver'].drivers[0], {name: 'nfs.csi.k8s.io', healthy: true});
});

import {readFileSync} from 'node:fs';
import {chmod} from 'node:fs/promises';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import test from 'ava';
import {applyChanges} from '../../src/engine/apply-changes.js';
import {loadState} from '../../src/engine/state.js';
import {createHost, type Host} from '../../src/host/host.js';
import {cniNetworkProvider, cniPluginProvider} from '../../src/resources/cni/provider.js';
import {conformance} from '../lib/conformance.js';
import {createFixtureRoot, type FixtureRoot} from '../lib/fixture-root.js';
import {providerRun} from '../lib/provider-run.js';

const podman = readFileSync(
  join(dirname(fileURLToPath(import.meta.url)), '../../../fixtures/cni/87-podman-bridge.conflist'),
  'utf8',
);
const pods = {
  cniVersion: '1.0.0',
  name: 'pods',
  plugins: [
    {
      type: 'bridge',
      bridge: 'cni0',
      isGateway: true,
      ipMasq: true,
      ipam: {type: 'host-local', ranges: [[{subnet: '10.88.0.0/16'}]]},
    },
    {type: 'portmap', capabilities: {portMappings: true}},
  ],
};

conformance(test, {
  name: 'cni.network',
  provider: cniNetworkProvider,
  files: {
    '/etc/cni/net.d/87-podman-bridge.conflist': podman,
    '/etc/cni/net.d/10-pods.conflist': '{"cniVersion": "0.3.1", "name": "old", "plugins": [{"type": "bridge"}]}\n',
  },
  spec: {
    cni: {networks: {'10-pods': pods, '05-extra': {cniVersion: '1.0.0', name: 'extra', plugins: [{type: 'loopback'}]}}},
  },
  outsideChange: (root) =>
    root.write(
      '/etc/cni/net.d/10-pods.conflist',
      '{"cniVersion": "1.0.0", "name": "pods", "plugins": [{"type": "bridge"}]}',
    ),
  driftedAddress: 'cni.network.10-pods',
  documentChange: {
    spec: {
      cni: {
        networks: {
          '10-pods': {...pods, plugins: [{...pods.plugins[0], bridge: 'cni1'}, pods.plugins[1]!]},
          '05-extra': {cniVersion: '1.0.0', name: 'extra', plugins: [{type: 'loopback'}]},
        },
      },
    },
    address: 'cni.network.10-pods',
  },
  removedSpec: {},
  async assertRestored(root) {
    if (
      (await root.read('/etc/cni/net.d/10-pods.conflist')) !==
      '{"cniVersion": "0.3.1", "name": "old", "plugins": [{"type": "bridge"}]}\n'
    )
      throw new Error('10-pods not restored');
    if ((await root.read('/etc/cni/net.d/05-extra.conflist')) !== undefined) throw new Error('05-extra left behind');
    if ((await root.read('/etc/cni/net.d/87-podman-bridge.conflist')) !== podman)
      throw new Error('podman file changed');
  },
});

const noCommands = async () => ({exitCode: 127, timedOut: false, stdout: '', stderr: '', started: false});

async function withRoot(
  files: Record<string, string>,
  body: (root: FixtureRoot, host: Host) => Promise<void>,
  executables: string[] = [],
): Promise<void> {
  const root = await createFixtureRoot(files);
  try {
    for (const path of executables) await chmod(join(root.dir, path), 0o755);
    await body(root, createHost({root: root.dir, runner: noCommands}));
  } finally {
    await root.cleanup();
  }
}

const {plan} = providerRun([cniPluginProvider, cniNetworkProvider]);

test('cni: written as canonical JSON; another file sorting first is a warning; exclusive removes it with a backup', (t) =>
  withRoot(
    {
      '/etc/cni/net.d/00-stray.conf': '{"cniVersion":"0.3.1","name":"stray","type":"bridge"}',
      '/opt/cni/bin/bridge': '',
      '/opt/cni/bin/host-local': '',
      '/opt/cni/bin/portmap': '',
    },
    async (root, host) => {
      const first = await plan(host, {cni: {networks: {'10-pods': pods}}});
      t.deepEqual(
        first.diagnostics.map((d) => d.summary),
        [
          '/etc/cni/net.d/10-pods.conflist is ignored by the runtime: /etc/cni/net.d/00-stray.conf, not declared, sorts first',
        ],
      );
      t.deepEqual(
        first.noops.map((c) => c.address),
        ['cni.plugin.bridge', 'cni.plugin.host-local', 'cni.plugin.portmap'],
      );
      const exclusive = await plan(host, {cni: {networks: {'10-pods': pods}, exclusive: true}});
      t.deepEqual(exclusive.diagnostics, []);
      t.deepEqual(
        exclusive.changes.map((c) => [c.address, c.action]),
        [
          ['cni.network.00-stray.conf', 'delete'],
          ['cni.network.10-pods', 'create'],
        ],
      );
      const result = await applyChanges({
        host,
        changes: exclusive.changes,
        state: await loadState(host),
        providers: [cniPluginProvider, cniNetworkProvider],
      });
      t.falsy(result.failed);
      t.is(await root.read('/etc/cni/net.d/00-stray.conf'), undefined);
      t.is(
        await root.read('/var/lib/cosi/backups/etc/cni/net.d/00-stray.conf'),
        '{"cniVersion":"0.3.1","name":"stray","type":"bridge"}',
      );
      const written = (await root.read('/etc/cni/net.d/10-pods.conflist'))!;
      t.true(written.startsWith('{\n  "cniVersion": "1.0.0",\n  "name": "pods",\n  "plugins": ['));
      t.deepEqual(JSON.parse(written), pods);
      // Same network, different key order and spacing: no change.
      await root.write(
        '/etc/cni/net.d/10-pods.conflist',
        JSON.stringify({plugins: pods.plugins, name: 'pods', cniVersion: '1.0.0'}),
      );
      t.deepEqual((await plan(host, {cni: {networks: {'10-pods': pods}, exclusive: true}})).changes, []);
    },
    ['/opt/cni/bin/bridge', '/opt/cni/bin/host-local', '/opt/cni/bin/portmap'],
  ));

test("cni plugins: missing, not executable, in another directory, or coming with the plan's package", (t) =>
  withRoot(
    {'/opt/cni/bin/bridge': '', '/usr/lib/cni/portmap': '', '/usr/lib/cni/loopback': ''},
    async (_root, host) => {
      const checked = await plan(host, {
        cni: {binDir: '/opt/cni/bin', plugins: ['bridge', 'portmap', 'vlan', 'my-cni']},
      });
      t.deepEqual(
        checked.diagnostics.map((d) => d.summary),
        [
          'CNI plugin bridge: /opt/cni/bin/bridge is not executable',
          'CNI plugin my-cni is not in /opt/cni/bin',
          'CNI plugin portmap is not in /opt/cni/bin',
          'CNI plugin vlan is not in /opt/cni/bin',
        ],
      );
      t.regex(checked.diagnostics[2]!.detail!, /found in \/usr\/lib\/cni: set cni\.binDir/);
      // Debian's package installs into /usr/lib/cni: with that binDir, the plugin comes after the package.
      const packaged = await plan(host, {
        packages: {install: {'containernetworking-plugins': '*'}},
        cni: {binDir: '/usr/lib/cni', plugins: ['loopback', 'vlan']},
      });
      t.deepEqual(packaged.diagnostics, []);
      t.deepEqual(
        packaged.changes.map((c) => [c.address, c.action, c.dependsOn]),
        [['cni.plugin.vlan', 'create', ['package.containernetworking-plugins']]],
      );
      const wrongDir = await plan(host, {
        packages: {install: {'containernetworking-plugins': '*'}},
        cni: {binDir: '/opt/cni/bin', plugins: ['vlan']},
      });
      t.regex(
        wrongDir.diagnostics[0]!.summary,
        /installs it into \/usr\/lib\/cni \(Debian\) or \/usr\/libexec\/cni \(Fedora\), but the runtime looks in \/opt\/cni\/bin/,
      );
    },
    ['/usr/lib/cni/portmap', '/usr/lib/cni/loopback'],
  ));

test("cni: the runtime configuration's bin_dir is searched, and a binDir that disagrees is a warning", (t) =>
  withRoot(
    {
      '/etc/containerd/config.toml': readFileSync(
        join(dirname(fileURLToPath(import.meta.url)), '../../../fixtures/runtime/containerd-debian-shipped.toml'),
        'utf8',
      ),
      '/usr/lib/cni/bridge': '',
    },
    async (_root, host) => {
      const viaRuntime = await plan(host, {runtime: {engine: 'containerd'}, cni: {plugins: ['bridge']}});
      t.deepEqual(viaRuntime.diagnostics, []);
      t.deepEqual(
        viaRuntime.noops.map((c) => c.before),
        ['/usr/lib/cni/bridge'],
      );
      const disagree = await plan(host, {runtime: {engine: 'containerd'}, cni: {binDir: '/opt/cni/bin', plugins: []}});
      t.regex(
        disagree.diagnostics[0]!.summary,
        /cni\.binDir is \/opt\/cni\/bin, but the containerd configuration looks for CNI plugins in \/usr\/lib\/cni/,
      );
    },
    ['/usr/lib/cni/bridge'],
  ));

// Cilium's agent writes /etc/cni/net.d/05-cilium.conf, a single-plugin configuration (no plugins[]), and its
// DaemonSet installs /opt/cni/bin/cilium-cni (cilium/cilium, plugins/cilium-cni, install-plugin.sh).
const cilium = {
  cniVersion: '0.3.1',
  name: 'cilium',
  type: 'cilium-cni',
  'enable-debug': false,
  'log-file': '/var/run/cilium/cilium-cni.log',
};

conformance(test, {
  name: 'cni.network (single-plugin .conf)',
  provider: cniNetworkProvider,
  files: {'/etc/cni/net.d/87-podman-bridge.conflist': podman},
  spec: {cni: {networks: {'05-cilium': cilium}}},
  outsideChange: (root) =>
    root.write('/etc/cni/net.d/05-cilium.conf', JSON.stringify({...cilium, 'enable-debug': true})),
  driftedAddress: 'cni.network.05-cilium',
  documentChange: {
    spec: {cni: {networks: {'05-cilium': {...cilium, 'enable-debug': true}}}},
    address: 'cni.network.05-cilium',
  },
  removedSpec: {},
  async assertRestored(root) {
    if ((await root.read('/etc/cni/net.d/05-cilium.conf')) !== undefined) throw new Error('05-cilium.conf left behind');
    if ((await root.read('/etc/cni/net.d/87-podman-bridge.conflist')) !== podman)
      throw new Error('podman file changed');
  },
});

test('cni: a single-plugin network is written as <stem>.conf; a cni.external binary that is missing is a condition, not an error', (t) =>
  withRoot({'/opt/cni/bin/.keep': ''}, async (root, host) => {
    const spec = {cni: {external: ['cilium-cni'], networks: {'05-cilium': cilium}}};
    const first = await plan(host, spec);
    t.deepEqual(first.diagnostics, []);
    t.deepEqual(
      first.changes.map((c) => [c.address, c.action, (c.after as {path: string}).path]),
      [['cni.network.05-cilium', 'create', '/etc/cni/net.d/05-cilium.conf']],
    );
    t.deepEqual(
      first.conditions.map((c) => [c.address, c.type]),
      [['cni.plugin.cilium-cni', 'cni-plugin-not-installed']],
    );
    t.regex(
      first.conditions[0]!.message,
      /CNI plugin cilium-cni is not in \/opt\/cni\/bin, \/usr\/lib\/cni, \/usr\/libexec\/cni yet; cni\.external says another component \(its CNI DaemonSet\) installs it/,
    );
    const result = await applyChanges({
      host,
      changes: first.changes,
      state: await loadState(host),
      providers: [cniPluginProvider, cniNetworkProvider],
    });
    t.is(result.failed, undefined);
    t.deepEqual(JSON.parse((await root.read('/etc/cni/net.d/05-cilium.conf'))!), cilium);
    t.is(await root.read('/etc/cni/net.d/05-cilium.conflist'), undefined);
    const again = await plan(host, spec);
    t.deepEqual(again.changes, [], 'the condition is no change: nothing left for apply');
    t.is(again.conditions.length, 1);
    // The DaemonSet installs the binary: the condition clears.
    await root.write('/opt/cni/bin/cilium-cni', '#!/bin/sh\n');
    await chmod(join(root.dir, '/opt/cni/bin/cilium-cni'), 0o755);
    const installed = await plan(host, spec);
    t.deepEqual(installed.conditions, []);
    t.deepEqual(
      installed.noops.filter((c) => c.kind === 'cni.plugin').map((c) => c.before),
      ['/opt/cni/bin/cilium-cni'],
    );
  }));

test('cni: a missing binary that is not a reference plugin gets a hint to cni.external, naming no package', (t) =>
  withRoot(
    {'/opt/cni/bin/portmap': ''},
    async (_root, host) => {
      const flannel = {
        name: 'cbr0',
        cniVersion: '0.3.1',
        plugins: [
          {type: 'flannel', delegate: {hairpinMode: true, isDefaultGateway: true}},
          {type: 'portmap', capabilities: {portMappings: true}},
        ],
      };
      const planned = await plan(host, {cni: {networks: {'10-flannel': flannel}}});
      t.deepEqual(
        planned.diagnostics.map((d) => d.summary),
        ['CNI plugin flannel is not in /opt/cni/bin, /usr/lib/cni, /usr/libexec/cni'],
      );
      t.regex(
        planned.diagnostics[0]!.detail!,
        /flannel is not one of the reference plugins \(containernetworking-plugins\): if another component \(a CNI DaemonSet\) installs it, list it in cni\.external/,
      );
      t.notRegex(planned.diagnostics[0]!.detail!, /install it \(package/);
      const external = await plan(host, {cni: {external: ['flannel'], networks: {'10-flannel': flannel}}});
      t.deepEqual(external.diagnostics, []);
      t.deepEqual(
        external.conditions.map((c) => c.address),
        ['cni.plugin.flannel'],
      );
    },
    ['/opt/cni/bin/portmap'],
  ));

test("cni: a file left in confDir holding a declared network's name is a warning", (t) =>
  withRoot({'/etc/cni/net.d/87-podman-bridge.conflist': podman}, async (_root, host) => {
    const ptp = {
      cniVersion: '0.4.0',
      name: 'podman',
      plugins: [{type: 'ptp', ipam: {type: 'host-local', subnet: '10.88.0.0/16'}}],
    };
    const planned = await plan(host, {cni: {networks: {'10-ptp': ptp}}});
    t.deepEqual(
      planned.diagnostics.filter((d) => d.severity === 'warning').map((d) => d.summary),
      ['CNI network name "podman" of 10-ptp is also the name of /etc/cni/net.d/87-podman-bridge.conflist'],
    );
  }));

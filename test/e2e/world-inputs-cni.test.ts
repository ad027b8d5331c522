import test from 'ava';
import {execFile} from 'node:child_process';
import {chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {cleanupDebianPackages, corpusFile, debianPackageFile} from '../lib/debian-package-file.js';
import {runCli} from '../lib/run-cli.js';

// Issue 13, acceptance 1 (CNI): five network configurations from four projects — flannel, Calico and Cilium as
// their DaemonSets write them (written after their manifests, sources named in fixtures/world/cni), podman's two
// examples from Debian's podman package — each declared in its own document and run validate -> plan -> apply ->
// plan under --root, with Debian's real reference plugins (containernetworking-plugins) in the root. The
// binaries another component installs are `cni.external`: a condition while missing, never an error. Then libcni
// reads the written file, as podman's CNI backend does: it parses the list and runs every plugin's VERSION (Debian's
// real portmap, bandwidth, bridge...; a stand-in answers for the DaemonSet's binary once it is "installed"). podman's
// two lists, which name only reference plugins, are then run for a pod with Debian's real plugins (ADD, DEL) in
// throw-away network namespaces.

const run = promisify(execFile);
const repo = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../../..');
const debianPlugins = '/usr/lib/cni';

interface Network {
  readonly stem: string;
  readonly config: Record<string, unknown>;
  readonly source: string;
  readonly external: readonly string[];
  readonly file: string;
}

async function corpus(): Promise<Network[]> {
  const world = async (stem: string, external: string[], file: string): Promise<Network> => {
    const {value, source} = await corpusFile(join(repo, 'fixtures/world/cni', `${stem}.yaml`));
    return {stem, config: value as Record<string, unknown>, source, external, file};
  };
  const podman = async (name: string): Promise<Network> => {
    const {text, source} = await debianPackageFile(
      'podman',
      `/usr/share/doc/podman/examples/cni/net.d/${name}.conflist`,
    );
    return {
      stem: name,
      config: JSON.parse(text) as Record<string, unknown>,
      source,
      external: [],
      file: `${name}.conflist`,
    };
  };
  return [
    await world('10-flannel', ['flannel'], '10-flannel.conflist'),
    await world('10-calico', ['calico', 'calico-ipam'], '10-calico.conflist'),
    await world('05-cilium', ['cilium-cni'], '05-cilium.conf'),
    await podman('87-podman-bridge'),
    await podman('87-podman-ptp'),
  ];
}

/** standIn answers CNI VERSION as a DaemonSet's plugin binary would (nothing else: it is never run with ADD here). */
const standIn =
  '#!/bin/sh\n[ "$CNI_COMMAND" = VERSION ] || exit 1\necho \'{"cniVersion":"1.0.0","supportedVersions":["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0"]}\'\n';

/** libcniFile checks a written file as libcni's ConfFromBytes / ConfListFromBytes (containernetworking/cni, libcni/conf.go) do. */
function libcniProblems(file: string, text: string): string[] {
  const value = JSON.parse(text) as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof value.name !== 'string' || value.name === '') problems.push('no network name');
  if (file.endsWith('.conflist')) {
    if (!Array.isArray(value.plugins) || value.plugins.length === 0) problems.push('no plugins in list');
    for (const plugin of (value.plugins as Array<Record<string, unknown>>) ?? [])
      if (typeof plugin.type !== 'string' || plugin.type === '') problems.push('a plugin without type');
  } else if (typeof value.type !== 'string' || value.type === '') problems.push('no type');
  if (typeof value.cniVersion !== 'string') problems.push('no cniVersion');
  return problems;
}

/** podmanNetworks lists the networks podman's CNI backend (libcni) accepts in confDir, with plugins found in pluginDirs. */
async function podmanNetworks(
  scratch: string,
  confDir: string,
  pluginDirs: readonly string[],
): Promise<{networks: Array<{name: string; driver: string}>; stderr: string}> {
  const conf = join(scratch, 'containers.conf');
  await writeFile(
    conf,
    `[network]\nnetwork_backend = "cni"\ncni_plugin_dirs = ${JSON.stringify(pluginDirs)}\nnetwork_config_dir = ${JSON.stringify(confDir)}\n`,
  );
  const {stdout, stderr} = await run(
    'podman',
    [
      '--root',
      join(scratch, 'storage'),
      '--runroot',
      join(scratch, 'run'),
      '--tmpdir',
      join(scratch, 'tmp'),
      'network',
      'ls',
      '--format',
      'json',
    ],
    {env: {...process.env, CONTAINERS_CONF: conf}},
  );
  return {networks: JSON.parse(stdout) as Array<{name: string; driver: string}>, stderr};
}

/**
 * runChain runs a written configuration list the way libcni does for a pod: each plugin in order with
 * CNI_COMMAND=ADD and the previous result, then DEL in reverse. Everything happens in two throw-away network
 * namespaces (the "node", where the bridge and iptables rules go, and the pod), and host-local keeps its leases in
 * `dataDir` (a temporary directory; the only change to the list as written), so this machine is not touched.
 */
async function runChain(
  t: import('ava').ExecutionContext,
  conflist: {cniVersion: string; name: string; plugins: Array<Record<string, unknown>>},
  pluginDir: string,
  dataDir: string,
): Promise<void> {
  const id = Math.random().toString(16).slice(2, 8);
  const [node, pod] = [`cosi-w13-node-${id}`, `cosi-w13-pod-${id}`];
  await run('ip', ['netns', 'add', node]);
  await run('ip', ['netns', 'add', pod]);
  t.teardown(async () => {
    await run('ip', ['netns', 'del', pod]).catch(() => undefined);
    await run('ip', ['netns', 'del', node]).catch(() => undefined);
  });
  const call = (command: 'ADD' | 'DEL', plugin: Record<string, unknown>, prevResult: unknown) => {
    const config: Record<string, unknown> = {
      ...plugin,
      cniVersion: conflist.cniVersion,
      name: conflist.name,
      ...(prevResult ? {prevResult} : {}),
    };
    if (typeof config.ipam === 'object' && config.ipam !== null) config.ipam = {...config.ipam, dataDir};
    if ((plugin.capabilities as {portMappings?: boolean} | undefined)?.portMappings)
      config.runtimeConfig = {portMappings: [{hostPort: 8080, containerPort: 80, protocol: 'tcp'}]};
    return new Promise<{code: number; stdout: string; stderr: string}>((resolve) => {
      const child = execFile(
        'ip',
        ['netns', 'exec', node, join(pluginDir, String(plugin.type))],
        {
          env: {
            PATH: process.env.PATH,
            CNI_COMMAND: command,
            CNI_CONTAINERID: `cosi-${id}`,
            CNI_NETNS: `/run/netns/${pod}`,
            CNI_IFNAME: 'eth0',
            CNI_PATH: pluginDir,
          },
        },
        (error, stdout, stderr) =>
          resolve({code: error ? Number((error as {code?: number}).code ?? 1) : 0, stdout, stderr}),
      );
      child.stdin!.end(JSON.stringify(config));
    });
  };
  let prevResult: unknown;
  for (const plugin of conflist.plugins) {
    const r = await call('ADD', plugin, prevResult);
    t.is(r.code, 0, `${String(plugin.type)} ADD: ${r.stdout}${r.stderr}`);
    prevResult = JSON.parse(r.stdout);
  }
  const address = (prevResult as {ips: Array<{address: string}>}).ips[0]!.address;
  const ipam = conflist.plugins[0]!.ipam as {subnet?: string; ranges?: Array<Array<{subnet: string}>>};
  const subnet = ipam.subnet ?? ipam.ranges![0]![0]!.subnet;
  t.true(inSubnet(address.split('/')[0]!, subnet), `${address} is in the list's subnet ${subnet}`);
  t.regex(
    (await run('ip', ['-n', pod, '-4', 'addr', 'show', 'eth0'])).stdout,
    new RegExp(address.replace(/\./g, '\\.')),
    'the pod interface has the address',
  );
  for (const plugin of [...conflist.plugins].reverse()) {
    const r = await call('DEL', plugin, prevResult);
    t.is(r.code, 0, `${String(plugin.type)} DEL: ${r.stderr}`);
  }
  t.is(
    await run('ip', ['-n', pod, 'link', 'show', 'eth0']).then(
      () => 0,
      () => 1,
    ),
    1,
    'DEL removed the pod interface',
  );
}

/** inSubnet tells whether an IPv4 address lies in a CIDR subnet. */
function inSubnet(address: string, cidr: string): boolean {
  const toNumber = (ip: string) => ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
  const [base, bits] = cidr.split('/') as [string, string];
  const size = 2 ** (32 - Number(bits));
  return Math.floor(toNumber(address) / size) === Math.floor(toNumber(base) / size);
}

test.after.always(cleanupDebianPackages);

test('two podman networks of the same name in one document: an error naming both', async (t) => {
  const [bridge, ptp] = (await corpus()).slice(3);
  const dir = await mkdtemp(join(tmpdir(), 'cosi-world-cni-'));
  t.teardown(() => rm(dir, {recursive: true, force: true}));
  const config = join(dir, 'cosi.json');
  await writeFile(
    config,
    JSON.stringify(
      {
        apiVersion: 'cosi.dev/v1alpha1',
        kind: 'NodeConfig',
        metadata: {name: 'world'},
        spec: {cni: {networks: {[bridge!.stem]: bridge!.config, [ptp!.stem]: ptp!.config}}},
      },
      null,
      2,
    ),
  );
  const validate = await runCli(['validate', config]);
  t.is(validate.exitCode, 1);
  t.regex(validate.stderr, /error: CNI network name "podman" is used by both 87-podman-bridge and 87-podman-ptp/);
});

for (const index of [0, 1, 2, 3, 4]) {
  test(`CNI corpus ${index + 1}/5: validate, plan, apply, plan under --root; libcni (podman) reads the written file`, async (t) => {
    const started = performance.now();
    const network = (await corpus())[index]!;
    t.log(`${network.stem}: ${network.source}`);
    const root = await mkdtemp(join(tmpdir(), 'cosi-world-cni-'));
    t.teardown(() => rm(root, {recursive: true, force: true}));
    await mkdir(join(root, 'etc'));
    await mkdir(join(root, 'usr/lib/cni'), {recursive: true});
    for (const name of await readdir(debianPlugins))
      await copyFile(join(debianPlugins, name), join(root, 'usr/lib/cni', name)).then(() =>
        chmod(join(root, 'usr/lib/cni', name), 0o755),
      );
    const config = join(root, 'cosi.json');
    const cni = {
      ...(network.external.length > 0 ? {external: network.external} : {}),
      networks: {[network.stem]: network.config},
    };
    await writeFile(
      config,
      JSON.stringify(
        {apiVersion: 'cosi.dev/v1alpha1', kind: 'NodeConfig', metadata: {name: 'world'}, spec: {cni}},
        null,
        2,
      ),
    );
    const cosi = (...args: string[]) => runCli([...args, '--root', root]);

    const validate = await runCli(['validate', config]);
    t.is(validate.exitCode, 0, validate.stderr);
    const plan = await cosi('plan', config, '--json');
    t.is(plan.exitCode, 0, plan.stderr);
    const planned = JSON.parse(plan.stdout) as {
      changes: Array<{address: string; action: string; after: {path: string}}>;
      conditions: Array<{address: string; type: string}>;
    };
    t.deepEqual(
      planned.changes.map((c) => [c.address, c.action, c.after.path]),
      [[`cni.network.${network.stem}`, 'create', `/etc/cni/net.d/${network.file}`]],
    );
    t.deepEqual(
      planned.conditions.map((c) => [c.address, c.type]),
      network.external.map((name) => [`cni.plugin.${name}`, 'cni-plugin-not-installed']).sort(),
    );
    t.notRegex(plan.stderr, /error:|package containernetworking-plugins/);
    const apply = await cosi('apply', config, '--auto-approve');
    t.is(apply.exitCode, 0, apply.stderr + apply.stdout);
    const again = await cosi('plan', config, '--detailed-exitcode');
    t.is(again.exitCode, 0, again.stdout + again.stderr);

    const written = await readFile(join(root, 'etc/cni/net.d', network.file), 'utf8');
    t.deepEqual(JSON.parse(written), network.config, 'the file holds the configuration as published');
    t.deepEqual(libcniProblems(network.file, written), []);

    // The DaemonSet installs its binaries: the conditions clear, and nothing else changes.
    await mkdir(join(root, 'opt/cni/bin'), {recursive: true});
    for (const name of network.external) {
      await writeFile(join(root, 'opt/cni/bin', name), standIn);
      await chmod(join(root, 'opt/cni/bin', name), 0o755);
    }
    const installed = JSON.parse((await cosi('plan', config, '--json')).stdout) as {
      changes: unknown[];
      conditions: unknown[];
    };
    t.deepEqual([installed.changes, installed.conditions], [[], []]);

    // libcni, as podman's CNI backend uses it, on a copy of the written file (podman leaves a lock file in its dir).
    if (network.file.endsWith('.conflist')) {
      const scratch = await mkdtemp(join(tmpdir(), 'cosi-world-podman-'));
      t.teardown(() => rm(scratch, {recursive: true, force: true}));
      await mkdir(join(scratch, 'net.d'));
      await copyFile(join(root, 'etc/cni/net.d', network.file), join(scratch, 'net.d', network.file));
      const listed = await podmanNetworks(scratch, join(scratch, 'net.d'), [
        join(root, 'usr/lib/cni'),
        join(root, 'opt/cni/bin'),
      ]);
      t.notRegex(listed.stderr, /Error validating|error/i, listed.stderr);
      // podman names a network's driver after its first plugin (its built-in default network "podman" is a bridge).
      const first = (network.config.plugins as Array<{type: string}>)[0]!.type;
      t.like(
        listed.networks.find((n) => n.name === network.config.name),
        {driver: first},
        `podman lists ${String(network.config.name)} with driver ${first}: ${JSON.stringify(listed.networks)}`,
      );
    }
    // podman's lists name only Debian's reference plugins: run the written chain with them (ADD, then DEL).
    if (network.external.length === 0) {
      const data = await mkdtemp(join(tmpdir(), 'cosi-world-ipam-'));
      t.teardown(() => rm(data, {recursive: true, force: true}));
      await runChain(t, JSON.parse(written) as Parameters<typeof runChain>[1], join(root, 'usr/lib/cni'), data);
    }
    // A hand edit of the written file is drift caused by the node.
    await writeFile(join(root, 'etc/cni/net.d', network.file), JSON.stringify({...network.config, disableCheck: true}));
    const drift = await cosi('drift', config, '--json');
    t.is(drift.exitCode, 2, drift.stderr);
    t.deepEqual((JSON.parse(drift.stdout) as {differences: unknown[]}).differences, [
      {address: `cni.network.${network.stem}`, kind: 'cni.network', cause: 'node'},
    ]);
    t.log(`${network.stem}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  });
}

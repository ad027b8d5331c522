import {spawnSync} from 'node:child_process';
import {readFileSync, writeFileSync} from 'node:fs';
import {chmod, readFile, writeFile} from 'node:fs/promises';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import test from 'ava';
import {staleAddresses} from '../../src/engine/saved-plan.js';
import type {NodeConfig} from '../../src/config/generated/types.js';
import {makePlan} from '../../src/engine/make-plan.js';
import {emptyState} from '../../src/engine/state.js';
import type {CommandRequest, CommandResult, CommandRunner} from '../../src/host/command.js';
import {createHost} from '../../src/host/host.js';
import {documentSections, providers} from '../../src/resources/registry.js';
import {desiredFrom} from '../lib/document.js';
import {createFixtureRoot, type FixtureRoot} from '../lib/fixture-root.js';

// Saved plans go stale when a probed input of a saved change moves between `cosi plan --out` and `cosi apply PLAN`,
// and only then. CNI conflists and seccomp profiles are checked through the command line on fixture roots (as the
// sysctl case in cli-commands.test.ts). Packages and the runtime (which brings its package), whose probes run
// dpkg-query, apt-cache and `containerd --version` in the root, go through the staleness check the command uses
// (`staleAddresses`) on plans made in-process by the registered providers over a simulated node.

const here = dirname(fileURLToPath(import.meta.url));
const bin = join(here, '../../../bin/cosi.js');
const shipped = readFileSync(join(here, '../../../fixtures/runtime/containerd-debian-shipped.toml'), 'utf8');

function cosi(args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], {encoding: 'utf8', env: {...process.env, NO_COLOR: '1'}});
  return {exitCode: result.status, stdout: result.stdout, stderr: result.stderr};
}

const configToml = '/etc/containerd/config.toml';
const conflist = '/etc/cni/net.d/10-pods.conflist';
const profile = '/var/lib/kubelet/seccomp/cosi/audit.json';
const oldConflist = '{"cniVersion": "0.3.1", "name": "old", "plugins": [{"type": "bridge"}]}\n';

// The command line runs dpkg-query in the root, which a fixture root cannot: this document holds only kinds whose
// probes read files.
const documentText = `apiVersion: cosi.dev/v1alpha1
kind: NodeConfig
metadata: {name: stale}
spec:
  cni:
    networks:
      10-pods:
        cniVersion: 1.0.0
        name: pods
        plugins:
          - {type: bridge, bridge: cni0, ipam: {type: host-local, ranges: [[{subnet: 10.88.0.0/16}]]}}
  seccomp:
    profiles:
      cosi/audit.json: {defaultAction: SCMP_ACT_LOG}
`;

async function fileFixture(t: {
  teardown(fn: () => Promise<void>): void;
}): Promise<{root: FixtureRoot; config: string; planFile: string}> {
  const root = await createFixtureRoot({
    [conflist]: oldConflist,
    [profile]: '{"defaultAction": "SCMP_ACT_ALLOW"}\n',
    '/opt/cni/bin/bridge': '',
    '/opt/cni/bin/host-local': '',
    '/var/lib/kubelet/seccomp/other.json': '{"defaultAction": "SCMP_ACT_ALLOW"}\n',
    '/etc/motd': 'welcome\n',
  });
  t.teardown(() => root.cleanup());
  for (const plugin of ['bridge', 'host-local']) await chmod(join(root.dir, 'opt/cni/bin', plugin), 0o755);
  const config = join(root.dir, 'config.yaml');
  writeFileSync(config, documentText);
  const planFile = join(root.dir, 'plan.json');
  const plan = cosi(['plan', config, '--root', root.dir, '--out', planFile, '--json']);
  if (plan.exitCode !== 0) throw new Error(`plan failed: ${plan.stderr}`);
  return {root, config, planFile};
}

function savedAddresses(planFile: string): string[] {
  return (JSON.parse(readFileSync(planFile, 'utf8')) as {changes: Array<{address: string}>}).changes.map(
    (c) => c.address,
  );
}

const fileCases: Array<{name: string; path: string; address: string; edit: (text: string) => string}> = [
  {
    name: 'a CNI conflist',
    path: conflist,
    address: 'cni.network.10-pods',
    edit: () => '{"cniVersion": "0.3.1", "name": "older", "plugins": [{"type": "bridge"}]}\n',
  },
  {
    name: 'a seccomp profile',
    path: profile,
    address: 'seccomp.profile.cosi/audit.json',
    edit: () => '{"defaultAction": "SCMP_ACT_ERRNO"}\n',
  },
];

for (const c of fileCases) {
  test(`a saved plan is stale when ${c.name} changed since; apply refuses naming ${c.address} and changes nothing`, async (t) => {
    const {root, planFile} = await fileFixture(t);
    t.true(savedAddresses(planFile).includes(c.address), `the saved plan changes ${c.address}`);
    const before = {conflist: await root.read(conflist), profile: await root.read(profile)};
    const edited = c.edit((await root.read(c.path))!);
    t.not(edited, await root.read(c.path));
    await root.write(c.path, edited);
    const apply = cosi(['apply', planFile, '--root', root.dir, '--auto-approve']);
    t.is(apply.exitCode, 1);
    const stale = /the saved plan is stale: the node changed since it was made, for (.*); run cosi plan again/.exec(
      apply.stderr,
    );
    t.truthy(stale, apply.stderr);
    t.true(stale![1]!.split(', ').includes(c.address), `names ${c.address}: ${stale![1]}`);
    t.deepEqual(stale![1]!.split(', '), [c.address], 'only the changed resource is named');
    for (const [path, text] of [
      [conflist, before.conflist],
      [profile, before.profile],
    ] as const) {
      if (path !== c.path) t.is(await root.read(path), text, `${path} untouched`);
    }
    t.is(await root.read(c.path), edited, `${c.path} keeps the outside edit`);
    t.is(await root.read('/var/lib/cosi/state.json'), undefined, 'nothing applied');
  });
}

test('a saved plan with managed files stays valid when unrelated files change', async (t) => {
  const {root, planFile} = await fileFixture(t);
  await root.write('/etc/motd', 'maintenance tonight\n');
  await root.write('/var/lib/kubelet/seccomp/other.json', '{"defaultAction": "SCMP_ACT_LOG"}\n');
  await root.write('/etc/cni/net.d/README', 'not a network\n');
  const apply = cosi(['apply', planFile, '--root', root.dir, '--auto-approve']);
  t.is(apply.exitCode, 0, apply.stderr);
  t.is(JSON.parse((await root.read(conflist))!).name, 'pods');
  t.is(JSON.parse((await root.read(profile))!).defaultAction, 'SCMP_ACT_LOG');
  t.is(
    await root.read('/var/lib/kubelet/seccomp/other.json'),
    '{"defaultAction": "SCMP_ACT_LOG"}\n',
    'the unrelated profile is left alone',
  );
});

// A simulated node for in-process plans (as in package-conformance.test.ts): the package database is a TSV file in
// the root, the repository a fixed table; `containerd --version` answers from the database.
const dbFile = '/var/lib/fake-dpkg/db.tsv';
const repository: Record<string, string[]> = {
  'cosi-a': ['1.0'],
  'cosi-b': ['2.1', '2.0', '1.0'],
  containerd: ['1.6.20~ds1-1+b1'],
};

function fakeNode(dir: string): CommandRunner {
  const ok = (stdout = ''): CommandResult => ({exitCode: 0, timedOut: false, stdout, stderr: '', started: true});
  return async ({argv}: CommandRequest) => {
    const db = await readFile(join(dir, dbFile), 'utf8');
    if (argv[0] === 'dpkg-query' && argv[1] === '-W') return ok(db);
    if (argv[0] === 'dpkg-query' && argv[1] === '-S') return {...ok(), exitCode: 1};
    if (argv[0] === 'apt-cache') {
      return ok(
        argv
          .slice(2)
          .filter((n) => repository[n])
          .map(
            (n) =>
              `${n}:\n  Installed: (none)\n  Candidate: ${repository[n]![0]}\n  Version table:\n${repository[n]!.map((v) => `     ${v} 500\n        500 file:/srv/repo ./ Packages\n`).join('')}`,
          )
          .join(''),
      );
    }
    const containerd = /^containerd\t([^\t]+)\t/m.exec(db)?.[1];
    if (argv[0] === 'containerd' && containerd)
      return ok(`containerd github.com/containerd/containerd ${containerd.replace(/-[^-]+$/, '')} 1.6.20~ds1-1+b1\n`);
    return {exitCode: 127, timedOut: false, stdout: '', stderr: `fake node: ${argv.join(' ')}`, started: false};
  };
}

async function planOn(root: FixtureRoot, spec: NodeConfig['spec']) {
  const host = createHost({root: root.dir, runner: fakeNode(root.dir)});
  return makePlan({host, desired: desiredFrom(spec), state: emptyState, providers, sections: documentSections});
}

const packageSpec: NodeConfig['spec'] = {packages: {install: {'cosi-a': '*', 'cosi-b': '>= 2.1'}}};
const planPackages = (root: FixtureRoot) => planOn(root, packageSpec);

async function packageFixture(
  t: {teardown(fn: () => Promise<void>): void},
  files: Record<string, string> = {},
): Promise<FixtureRoot> {
  const root = await createFixtureRoot({
    '/etc/os-release': 'ID=debian\nVERSION_ID="12"\n',
    '/usr/bin/dpkg-query': '',
    '/usr/bin/apt-get': '',
    '/var/lib/apt/lists/deb.example_dists_stable_main_binary-amd64_Packages': '',
    [dbFile]: 'base-files\t12.4+deb12u5\tii \ncosi-b\t2.0\tii \n',
    ...files,
  });
  t.teardown(() => root.cleanup());
  return root;
}

test('a saved plan is stale when a package it changes was upgraded or downgraded since, naming package.<name>', async (t) => {
  const root = await packageFixture(t);
  const saved = await planPackages(root);
  t.deepEqual(saved.diagnostics, []);
  t.deepEqual(
    saved.changes.map((c) => `${c.address} ${c.action}`),
    ['package.cosi-a create', 'package.cosi-b update'],
  );
  t.deepEqual(
    staleAddresses(saved.changes, await planPackages(root)),
    [],
    'a fresh plan of the same node is not stale',
  );

  await writeFile(join(root.dir, dbFile), 'base-files\t12.4+deb12u5\tii \ncosi-b\t1.0\tii \n');
  const stale = staleAddresses(saved.changes, await planPackages(root));
  t.true(stale.includes('package.cosi-b'), stale.join(', '));
  // cosi-a carries the one install transaction for both packages, so it goes stale with any member.
  t.deepEqual(stale, ['package.cosi-a', 'package.cosi-b']);
});

test('a saved plan is stale when a package it installs appeared since', async (t) => {
  const root = await packageFixture(t);
  const saved = await planPackages(root);
  await writeFile(join(root.dir, dbFile), 'base-files\t12.4+deb12u5\tii \ncosi-a\t1.0\tii \ncosi-b\t2.0\tii \n');
  const now = await planPackages(root);
  t.deepEqual(
    now.changes.map((c) => c.address),
    ['package.cosi-b'],
    'cosi-a is a noop now',
  );
  t.true(staleAddresses(saved.changes, now).includes('package.cosi-a'));
});

test('a saved plan with packages stays valid when a package outside the document changes', async (t) => {
  const root = await packageFixture(t);
  const saved = await planPackages(root);
  await writeFile(join(root.dir, dbFile), 'base-files\t12.5\tii \ncosi-b\t2.0\tii \nunrelated\t3.0\tii \n');
  t.deepEqual(staleAddresses(saved.changes, await planPackages(root)), []);
});

test('staleAddresses: a saved change the fresh plan no longer has is stale', (t) => {
  const change = {
    address: 'sysctl.vm.swappiness',
    kind: 'sysctl' as const,
    action: 'update' as const,
    before: '60',
    after: '10',
    reason: 'differs',
    disruption: 'none' as const,
    dependsOn: [],
    inputs: 'a',
  };
  t.deepEqual(staleAddresses([change], {changes: [], noops: []}), ['sysctl.vm.swappiness']);
  t.deepEqual(staleAddresses([change], {changes: [change], noops: []}), []);
  t.deepEqual(staleAddresses([change], {changes: [{...change, inputs: 'b'}], noops: []}), ['sysctl.vm.swappiness']);
});

const runtimeSpec: NodeConfig['spec'] = {
  runtime: {
    engine: 'containerd',
    settings: {
      plugins: {'io.containerd.grpc.v1.cri': {containerd: {runtimes: {runc: {options: {SystemdCgroup: true}}}}}},
    },
  },
};
const runtimeFiles = {
  [configToml]: shipped,
  [dbFile]: 'base-files\t12.4+deb12u5\tii \ncontainerd\t1.6.20~ds1-1+b1\tii \n',
};

test('a saved plan is stale when the containerd config.toml changed since, naming runtime.containerd and the restart it owes', async (t) => {
  const root = await packageFixture(t, runtimeFiles);
  const saved = await planOn(root, runtimeSpec);
  t.deepEqual(
    saved.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  t.deepEqual(
    saved.changes.map((c) => `${c.address} ${c.action} ${c.disruption}`),
    ['runtime.containerd create restart:containerd.service', 'service.containerd update restart:containerd.service'],
  );
  t.deepEqual(staleAddresses(saved.changes, await planOn(root, runtimeSpec)), []);

  await root.write(
    configToml,
    shipped.replace(
      '[plugins."io.containerd.grpc.v1.cri"]\n',
      '[plugins."io.containerd.grpc.v1.cri"]\n    sandbox_image = "registry.k8s.io/pause:3.9"\n',
    ),
  );
  t.deepEqual(staleAddresses(saved.changes, await planOn(root, runtimeSpec)), [
    'runtime.containerd',
    'service.containerd',
  ]);
});

test('a saved runtime plan stays valid when other files and packages change', async (t) => {
  const root = await packageFixture(t, runtimeFiles);
  const saved = await planOn(root, runtimeSpec);
  await root.write('/etc/containerd/certs.d/docker.io/hosts.toml', 'server = "https://registry-1.docker.io"\n');
  await root.write('/etc/crio/crio.conf', '[crio.runtime]\n');
  await writeFile(
    join(root.dir, dbFile),
    'base-files\t12.5\tii \ncontainerd\t1.6.20~ds1-1+b1\tii \nrunc\t1.1.5+ds1-1\tii \n',
  );
  t.deepEqual(staleAddresses(saved.changes, await planOn(root, runtimeSpec)), []);
});

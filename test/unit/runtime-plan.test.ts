import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import test from 'ava';
import {parse} from 'smol-toml';
import {loadState} from '../../src/engine/state.js';
import type {CommandRunner} from '../../src/host/command.js';
import {createHost, type Host} from '../../src/host/host.js';
import {runtimeProvider} from '../../src/resources/runtime/provider.js';
import {renderKey, withValue} from '../../src/resources/runtime/settings-leaves.js';
import {createFixtureRoot, type FixtureRoot} from '../lib/fixture-root.js';
import {providerRun} from '../lib/provider-run.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../../../fixtures/runtime');
const fixture = (name: string) => readFileSync(join(fixtures, name), 'utf8');
const defaults16 = fixture('containerd-1.6-default.toml');
const configPath = '/etc/containerd/config.toml';
const cgroupPath = [
  'plugins',
  'io.containerd.grpc.v1.cri',
  'containerd',
  'runtimes',
  'runc',
  'options',
  'SystemdCgroup',
];
const cgroup = {
  plugins: {'io.containerd.grpc.v1.cri': {containerd: {runtimes: {runc: {options: {SystemdCgroup: true}}}}}},
};

function versionRunner(stdout: string): CommandRunner {
  return async ({argv}) =>
    argv[0] === 'containerd' && argv[1] === '--version'
      ? {exitCode: 0, timedOut: false, stdout, stderr: '', started: true}
      : {exitCode: 127, timedOut: false, stdout: '', stderr: 'not here', started: false};
}
const containerd16 = versionRunner('containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+deb12u3\n');

async function withRoot(
  files: Record<string, string>,
  runner: CommandRunner,
  body: (root: FixtureRoot, host: Host) => Promise<void>,
): Promise<void> {
  const root = await createFixtureRoot(files);
  try {
    await body(root, createHost({root: root.dir, runner}));
  } finally {
    await root.cleanup();
  }
}

const {plan, apply} = providerRun([runtimeProvider]);

test('containerd 1.6 default config: SystemdCgroup plans exactly one key change, and apply changes only that key', (t) =>
  withRoot({[configPath]: defaults16}, containerd16, async (root, host) => {
    const planned = await plan(host, {runtime: {engine: 'containerd', settings: cgroup}});
    t.deepEqual(planned.diagnostics, []);
    t.is(planned.changes.length, 1);
    const [change] = planned.changes;
    t.is(change!.address, 'runtime.containerd');
    t.is(change!.action, 'create');
    t.is(change!.disruption, 'restart:containerd.service');
    t.deepEqual(change!.details, [
      'plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options.SystemdCgroup: false -> true',
    ]);
    await apply(host, {runtime: {engine: 'containerd', settings: cgroup}});
    const after = (await root.read(configPath))!;
    t.deepEqual(parse(after), withValue(parse(defaults16) as Record<string, unknown>, cgroupPath, true));
    const changed = after.split('\n').filter((line, i) => line !== defaults16.split('\n')[i]);
    t.deepEqual(changed, ['            SystemdCgroup = true']);
    t.is(await root.read('/var/lib/cosi/backups/etc/containerd/config.toml'), defaults16);
  }));

test("containerd: removing a setting restores the file as cosi found it; an edited file gets back only cosi's keys", (t) =>
  withRoot({[configPath]: defaults16}, containerd16, async (root, host) => {
    const spec = {runtime: {engine: 'containerd' as const, settings: {...cgroup, oom_score: -999}}};
    await apply(host, spec);
    const one = await apply(host, {runtime: {engine: 'containerd', settings: cgroup}});
    t.deepEqual(one.changes[0]!.details, ['oom_score: -999 -> 0 (no longer in the document: as cosi found it)']);
    t.is(parse((await root.read(configPath))!).oom_score, 0);
    // Someone edits another key; removal puts back cosi's keys only and keeps that edit.
    await root.write(
      configPath,
      (await root.read(configPath))!.replace('root = "/var/lib/containerd"', 'root = "/srv/containerd"'),
    );
    await apply(host, {});
    t.is(await root.read(configPath), defaults16.replace('root = "/var/lib/containerd"', 'root = "/srv/containerd"'));
    t.deepEqual((await loadState(host)).resources, {});
  }));

test('containerd: a missing config file is created with the version the installed containerd reads, and removed again', (t) =>
  withRoot({}, containerd16, async (root, host) => {
    await apply(host, {runtime: {engine: 'containerd', settings: cgroup}});
    // The runc entry cosi creates gets containerd's runtime_type (documented default: the fake node's containerd
    // cannot print its defaults), or containerd would read an entry without it.
    t.is(
      await root.read(configPath),
      'version = 2\n\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]\n  runtime_type = "io.containerd.runc.v2"\n\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n  SystemdCgroup = true\n',
    );
    await apply(host, {});
    t.is(await root.read(configPath), undefined);
  }));

test("containerd 2.x: the recipe in version 2's layout is written where a version 3 file has it, with a note", (t) =>
  withRoot(
    {[configPath]: 'version = 3\n'},
    versionRunner('containerd github.com/containerd/containerd/v2 v2.0.2 c5074d8\n'),
    async (root, host) => {
      const planned = await plan(host, {runtime: {engine: 'containerd', settings: cgroup}});
      t.deepEqual(planned.diagnostics, []);
      const moved = planned.changes[0]!.details!.find((d) => d.includes('SystemdCgroup'))!;
      t.regex(
        moved,
        /^plugins\."io\.containerd\.cri\.v1\.runtime"\.containerd\.runtimes\.runc\.options\.SystemdCgroup: \(unset\) -> true \(declared as plugins\."io\.containerd\.grpc\.v1\.cri"\..*config version 2's layout: config version 3 reads it here\)$/,
      );
      await apply(host, {runtime: {engine: 'containerd', settings: cgroup}});
      const written = parse((await root.read(configPath))!) as Record<string, Record<string, unknown>>;
      t.deepEqual(Object.keys(written['plugins']!), ['io.containerd.cri.v1.runtime']);
      t.deepEqual((await plan(host, {runtime: {engine: 'containerd', settings: cgroup}})).changes, [], 'converged');
    },
  ));

test('containerd: a config version the installed containerd does not read is an error', (t) =>
  withRoot({[configPath]: 'version = 3\n'}, containerd16, async (_root, host) => {
    const planned = await plan(host, {
      runtime: {engine: 'containerd', settings: {plugins: {'io.containerd.cri.v1.runtime': {enable_selinux: true}}}},
    });
    t.regex(
      planned.diagnostics.map((d) => d.summary).join('\n'),
      /config version 3, which containerd 1\.6\.20 does not read/,
    );
  }));

test("containerd: socket.group resolves through the root's /etc/group into [grpc] gid", (t) =>
  withRoot(
    {[configPath]: defaults16, '/etc/group': 'root:x:0:\ndocker:x:999:\ncontainerd:x:996:alice\n'},
    containerd16,
    async (_root, host) => {
      const planned = await plan(host, {runtime: {engine: 'containerd', socket: {group: 'containerd'}}});
      t.deepEqual(planned.changes[0]!.details, ['grpc.gid: 0 -> 996']);
      const missing = await plan(host, {runtime: {engine: 'containerd', socket: {group: 'kube'}}});
      t.is(missing.changes.length, 0);
      t.regex(missing.diagnostics[0]!.summary, /socket group "kube" does not exist in the node's \/etc\/group/);
    },
  ));

test('CRI-O: settings merge over crio.conf and its drop-ins; crio.conf stays byte for byte; a later drop-in is a warning', (t) =>
  withRoot(
    {
      '/etc/crio/crio.conf': fixture('crio/crio.conf'),
      '/etc/crio/crio.conf.d/10-crun.conf': fixture('crio/crio.conf.d/10-crun.conf'),
      '/etc/crio/crio.conf.d/99-zz-site.conf': fixture('crio/crio.conf.d/99-zz-site.conf'),
    },
    containerd16,
    async (root, host) => {
      const spec = {
        runtime: {
          engine: 'crio' as const,
          settings: {
            crio: {
              runtime: {default_runtime: 'runc', cgroup_manager: 'systemd'},
              image: {pause_image: 'registry.k8s.io/pause:3.10'},
            },
          },
        },
      };
      const planned = await plan(host, spec);
      const change = planned.changes[0]!;
      t.is(change.disruption, 'restart:crio.service');
      // cgroup_manager is already "systemd" in crio.conf: no key change shown for it.
      t.deepEqual(change.details, [
        'crio.image.pause_image: "registry.example.com/pause:3.9" -> "registry.k8s.io/pause:3.10"',
        'crio.runtime.default_runtime: "crun" -> "runc"',
      ]);
      t.deepEqual(
        planned.diagnostics.map((d) => d.severity),
        ['warning'],
      );
      t.regex(planned.diagnostics[0]!.summary, /99-zz-site\.conf sets crio\.image\.pause_image .* overrides/);
      await apply(host, spec);
      t.is(await root.read('/etc/crio/crio.conf'), fixture('crio/crio.conf'));
      const dropIn = parse((await root.read('/etc/crio/crio.conf.d/99-cosi.conf'))!);
      t.deepEqual(dropIn, {
        crio: {
          runtime: {default_runtime: 'runc', cgroup_manager: 'systemd'},
          image: {pause_image: 'registry.k8s.io/pause:3.10'},
        },
      });
    },
  ));

test("the Kubernetes docs' recipe on Debian's shipped config.toml: the new runc entry gets the installed containerd's defaults", async (t) => {
  const {withEngineDefaults} = await import('../../src/resources/runtime/engine-defaults.js');
  const fixture = (name: string) =>
    parse(
      readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../../../fixtures/runtime', name), 'utf8'),
    ) as Record<string, unknown>;
  const recipe = [{path: cgroupPath, value: true}];
  const leaves = withEngineDefaults({
    leaves: recipe,
    found: fixture('containerd-debian-shipped.toml'),
    defaults: fixture('containerd-1.6-default.toml'),
  });
  const byKey = new Map(leaves.map((l) => [l.path.join('.'), l]));
  t.is(
    byKey.get('plugins.io.containerd.grpc.v1.cri.containerd.runtimes.runc.runtime_type')?.value,
    'io.containerd.runc.v2',
  );
  t.is(byKey.get(cgroupPath.join('.'))?.value, true, 'the declared value wins over the default (false)');
  t.regex(
    byKey.get('plugins.io.containerd.grpc.v1.cri.containerd.runtimes.runc.runtime_type')!.note!,
    /installed containerd's default for the new runtime entry/,
  );
  t.true(
    leaves.every((l) => l.path.slice(0, 5).join('.') === 'plugins.io.containerd.grpc.v1.cri.containerd.runtimes.runc'),
    'only the runtime entry, nothing else of the defaults',
  );
  const existing = withEngineDefaults({
    leaves: recipe,
    found: fixture('containerd-1.6-default.toml'),
    defaults: fixture('containerd-1.6-default.toml'),
  });
  t.deepEqual(existing, recipe, 'an entry the file already has is left to the file');
  const v3 = withEngineDefaults({
    leaves: [
      {
        path: ['plugins', 'io.containerd.cri.v1.runtime', 'containerd', 'runtimes', 'runc', 'options', 'SystemdCgroup'],
        value: true,
      },
    ],
    found: {version: 3},
  });
  t.deepEqual(
    v3.map((l) => [l.path.at(-1), l.value]),
    [
      ['runtime_type', 'io.containerd.runc.v2'],
      ['SystemdCgroup', true],
    ],
    'containerd 2.x (version 3) without the engine to ask: the documented default',
  );
});

test('defaults cosi added to a runtime entry stay those: a plan after containerd became able to answer changes nothing', async (t) => {
  const {withEngineDefaults} = await import('../../src/resources/runtime/engine-defaults.js');
  const fixture = (name: string) =>
    parse(
      readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../../../fixtures/runtime', name), 'utf8'),
    ) as Record<string, unknown>;
  const recipe = [{path: cgroupPath, value: true}];
  // First apply: containerd was installed by the same apply, so only the documented default could be used.
  const first = withEngineDefaults({leaves: recipe, found: {}});
  const applied = Object.fromEntries(first.map((l) => [renderKey(l.path), l.value]));
  // Next plan: containerd answers with its whole default entry; what cosi added stays what it was.
  const next = withEngineDefaults({
    leaves: recipe,
    found: {},
    defaults: fixture('containerd-1.6-default.toml'),
    applied,
  });
  t.deepEqual(
    next.map((l) => [renderKey(l.path), l.value]),
    first.map((l) => [renderKey(l.path), l.value]),
  );
});

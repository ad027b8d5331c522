import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import test from 'ava';
import {parse} from 'smol-toml';
import type {NodeConfig} from '../../src/config/generated/types.js';
import {makePlan} from '../../src/engine/make-plan.js';
import {loadState} from '../../src/engine/state.js';
import type {CommandRunner} from '../../src/host/command.js';
import {createHost} from '../../src/host/host.js';
import {translateSetting} from '../../src/resources/runtime/config-version.js';
import {runtimeProvider} from '../../src/resources/runtime/provider.js';
import {checkSettingKeys} from '../../src/resources/runtime/settings-keys.js';
import {flattenSettings} from '../../src/resources/runtime/settings-leaves.js';
import {documentSections} from '../../src/resources/registry.js';
import {desiredFrom} from '../lib/document.js';
import {createFixtureRoot} from '../lib/fixture-root.js';

// Settings keys checked against the installed engine's own key set: containerd 1.6's `config default` (Debian's, as
// printed), 1.7's and 2.0's (fixtures written after containerd's docs and sources, each naming them), CRI-O's
// crio.conf as `crio config` would print it.

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../../../fixtures/runtime');
const text = (name: string) => readFileSync(join(fixtures, name), 'utf8');
const versions = [
  {
    name: '1.6',
    defaults: 'containerd-1.6-default.toml',
    version: 'containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+deb12u3',
  },
  {
    name: '1.7',
    defaults: 'containerd-1.7-default.toml',
    version: 'containerd github.com/containerd/containerd v1.7.34 abc',
  },
  {
    name: '2.0',
    defaults: 'containerd-2.0-default.toml',
    version: 'containerd github.com/containerd/containerd/v2 v2.0.7 def',
  },
] as const;
const cri2 = 'io.containerd.grpc.v1.cri';
const runtime3 = 'io.containerd.cri.v1.runtime';
const configPath = '/etc/containerd/config.toml';

function engine(version: string, defaults: string): CommandRunner {
  return async ({argv}) => {
    const ok = (stdout: string) => ({exitCode: 0, timedOut: false, stdout, stderr: '', started: true});
    if (argv[0] === 'containerd' && argv[1] === '--version') return ok(`${version}\n`);
    if (argv[0] === 'containerd' && argv[1] === 'config' && argv[2] === 'default') return ok(defaults);
    return {exitCode: 127, timedOut: false, stdout: '', stderr: 'not here', started: false};
  };
}

async function planWith(v: (typeof versions)[number], spec: NodeConfig['spec'], file?: string) {
  const root = await createFixtureRoot(file === undefined ? {} : {[configPath]: file});
  try {
    const host = createHost({root: root.dir, runner: engine(v.version, text(v.defaults))});
    return await makePlan({
      host,
      desired: desiredFrom(spec),
      state: await loadState(host),
      providers: [runtimeProvider],
      sections: documentSections,
    });
  } finally {
    await root.cleanup();
  }
}

const recipe = (options: Record<string, unknown>) => ({
  plugins: {[cri2]: {containerd: {runtimes: {runc: {options}}}}},
});

for (const v of versions) {
  test(`containerd ${v.name}: the recipe's SystemdCgroup is a key; SystemdCGroup is an error at its document path, with did you mean`, async (t) => {
    const good = await planWith(v, {runtime: {engine: 'containerd', settings: recipe({SystemdCgroup: true})}});
    t.deepEqual(good.diagnostics, [], 'SystemdCgroup is runc option, even where config default leaves it out (2.0)');
    t.is(good.changes.length, 1);
    const bad = await planWith(v, {runtime: {engine: 'containerd', settings: recipe({SystemdCGroup: true})}});
    t.is(bad.changes.length, 0, 'nothing is planned over an error');
    t.is(bad.diagnostics.length, 1);
    const [d] = bad.diagnostics;
    t.is(d!.severity, 'error');
    t.regex(
      d!.summary,
      /^"SystemdCGroup" is not a key of containerd \d\.\d+\.\d+'s configuration in \[.*runtimes\.runc\.options\]: did you mean "SystemdCgroup"\?$/,
    );
    t.deepEqual(d!.path, [
      'spec',
      'runtime',
      'settings',
      'plugins',
      cri2,
      'containerd',
      'runtimes',
      'runc',
      'options',
      'SystemdCGroup',
    ]);
  });

  test(`containerd ${v.name}: maps take any key (runtimes by name, registry mirrors and configs); a new runc-type entry's options are checked`, async (t) => {
    const settings = {
      plugins: {
        [cri2]: {
          containerd: {
            runtimes: {
              crun: {
                runtime_type: 'io.containerd.runc.v2',
                options: {BinaryName: '/usr/bin/crun', SystemdCgroup: true},
              },
              kata: {runtime_type: 'io.containerd.kata.v2', options: {ConfigPath: '/etc/kata/configuration.toml'}},
            },
          },
          registry: {
            mirrors: {'docker.io': {endpoint: ['https://mirror.example']}},
            configs: {'registry.example:5000': {tls: {insecure_skip_verify: true}}},
          },
        },
      },
    };
    const planned = await planWith(v, {runtime: {engine: 'containerd', settings}});
    t.deepEqual(planned.diagnostics, []);
    const typo = await planWith(v, {
      runtime: {
        engine: 'containerd',
        settings: {
          plugins: {
            [cri2]: {
              containerd: {runtimes: {crun: {runtime_type: 'io.containerd.runc.v2', options: {BinaryNme: 'crun'}}}},
            },
          },
        },
      },
    });
    t.deepEqual(
      typo.diagnostics.map((d) => [d.severity, d.summary.replace(/.*: /, '')]),
      [['error', 'did you mean "BinaryName"?']],
    );
    const entry = await planWith(v, {
      runtime: {
        engine: 'containerd',
        settings: {plugins: {[cri2]: {containerd: {runtimes: {crun: {runtime_typ: 'x'}}}}}},
      },
    });
    t.regex(
      entry.diagnostics[0]!.summary,
      /"runtime_typ" .*did you mean "runtime_type"\?/,
      "an entry's own keys are checked",
    );
  });
}

test('a key close to none is a warning (the defaults leave some optional keys out); a misspelt plugin or table is an error', async (t) => {
  const v = versions[0];
  const far = await planWith(v, {
    runtime: {engine: 'containerd', settings: {plugins: {[cri2]: {some_future_option: true}}}},
  });
  t.deepEqual(
    far.diagnostics.map((d) => d.severity),
    ['warning'],
  );
  t.is(far.changes.length, 1, 'a warning does not stop the plan');
  const plugin = await planWith(v, {
    runtime: {engine: 'containerd', settings: {plugins: {'io.containerd.grpc.v1.crii': {enable_selinux: true}}}},
  });
  t.regex(
    plugin.diagnostics[0]!.summary,
    /"io\.containerd\.grpc\.v1\.crii" is not a key .* in \[plugins\]: did you mean "io\.containerd\.grpc\.v1\.cri"\?/,
  );
  t.deepEqual(plugin.diagnostics[0]!.path, ['spec', 'runtime', 'settings', 'plugins', 'io.containerd.grpc.v1.crii']);
  const top = await planWith(v, {runtime: {engine: 'containerd', settings: {oom_scor: -999}}});
  t.regex(top.diagnostics[0]!.summary, /in the top level: did you mean "oom_score"\?/);
});

test("containerd 2.0: the version 2 recipe on a missing file becomes a version 3 file with 2.0's runc defaults, keys checked in its layout", async (t) => {
  const v = versions[2];
  const planned = await planWith(v, {runtime: {engine: 'containerd', settings: recipe({SystemdCgroup: true})}});
  t.deepEqual(planned.diagnostics, []);
  const change = planned.changes[0]!;
  const after = (change.after as {settings: Record<string, unknown>}).settings;
  t.is(after[`plugins."${runtime3}".containerd.runtimes.runc.runtime_type`], 'io.containerd.runc.v2');
  t.is(after[`plugins."${runtime3}".containerd.runtimes.runc.options.SystemdCgroup`], true);
  t.is(after[`plugins."${runtime3}".containerd.runtimes.runc.sandboxer`], 'podsandbox', "2.0's own default entry");
  t.false(
    Object.keys(after).some((k) => k.includes(cri2)),
    'nothing at the version 2 table, which a version 3 file does not read',
  );
  const written = parse((change.data as {write: string}).write) as {version: number};
  t.is(written.version, 3);
  // In the other direction: a version 3 key on a 1.6 node's version 2 file.
  const back = await planWith(
    versions[0],
    {
      runtime: {
        engine: 'containerd',
        settings: {plugins: {'io.containerd.cri.v1.images': {pinned_images: {sandbox: 'pause:1'}}}},
      },
    },
    text('containerd-1.6-default.toml'),
  );
  t.deepEqual(back.diagnostics, []);
  t.deepEqual(back.changes[0]!.details, [
    `plugins."${cri2}".sandbox_image: "registry.k8s.io/pause:3.6" -> "pause:1" (declared as plugins."io.containerd.cri.v1.images".pinned_images.sandbox, config version 3's layout: config version 2 reads it here)`,
  ]);
  const none = await planWith(
    versions[0],
    {
      runtime: {
        engine: 'containerd',
        settings: {plugins: {'io.containerd.cri.v1.images': {use_local_image_pull: true}}},
      },
    },
    text('containerd-1.6-default.toml'),
  );
  t.regex(none.diagnostics[0]!.summary, /has no place in containerd's config version 2/);
});

test("translateSetting follows containerd 2.0's own migration of version 2 CRI keys", (t) => {
  const v2 = (...rest: string[]) => ['plugins', cri2, ...rest];
  t.deepEqual(translateSetting(v2('sandbox_image'), 3), [
    'plugins',
    'io.containerd.cri.v1.images',
    'pinned_images',
    'sandbox',
  ]);
  t.deepEqual(translateSetting(v2('registry', 'config_path'), 3), [
    'plugins',
    'io.containerd.cri.v1.images',
    'registry',
    'config_path',
  ]);
  t.deepEqual(translateSetting(v2('containerd', 'snapshotter'), 3), [
    'plugins',
    'io.containerd.cri.v1.images',
    'snapshotter',
  ]);
  t.deepEqual(translateSetting(v2('containerd', 'default_runtime_name'), 3), [
    'plugins',
    runtime3,
    'containerd',
    'default_runtime_name',
  ]);
  t.deepEqual(translateSetting(v2('cni', 'bin_dir'), 3), ['plugins', runtime3, 'cni', 'bin_dir']);
  t.deepEqual(
    translateSetting(v2('stream_server_port'), 3),
    v2('stream_server_port'),
    'the CRI server keeps its table',
  );
  t.deepEqual(translateSetting(['plugins', 'cri', 'containerd', 'snapshotter'], 2), v2('containerd', 'snapshotter'));
  t.deepEqual(translateSetting(['grpc', 'gid'], 3), ['grpc', 'gid']);
  for (const p of [
    v2('sandbox_image'),
    v2('containerd', 'snapshotter'),
    v2('containerd', 'runtimes', 'runc', 'options', 'SystemdCgroup'),
    v2('registry', 'mirrors', 'docker.io', 'endpoint'),
  ])
    t.deepEqual(translateSetting(translateSetting(p, 3)!, 2), p, `round trip of ${p.join('.')}`);
});

test("CRI-O: keys checked against the installed crio's own configuration (crio config), runtimes by name taken", (t) => {
  // The abridged crio.conf, plus the runc entry `crio config` prints ([crio.runtime.runtimes.runc]).
  const conf = parse(text('crio/crio.conf')) as {crio: {runtime: Record<string, unknown>}};
  conf.crio.runtime['runtimes'] = {runc: {runtime_path: '', runtime_type: 'oci', runtime_root: '/run/runc'}};
  const defaults = conf as unknown as Record<string, unknown>;
  const keys = {engine: 'crio' as const, defaults, name: 'CRI-O 1.28.1'};
  const check = (settings: Record<string, unknown>) => checkSettingKeys(flattenSettings(settings), keys);
  t.deepEqual(
    check({crio: {runtime: {cgroup_manager: 'systemd', runtimes: {crun: {runtime_path: '/usr/bin/crun'}}}}}),
    [],
  );
  const typo = check({crio: {runtime: {cgroup_manger: 'systemd'}}});
  t.is(typo[0]!.severity, 'error');
  t.regex(
    typo[0]!.summary,
    /"cgroup_manger" is not a key of CRI-O 1\.28\.1's configuration in \[crio\.runtime\]: did you mean "cgroup_manager"\?/,
  );
});

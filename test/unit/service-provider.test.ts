import {readFile, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import test from 'ava';
import {applyChanges} from '../../src/engine/apply-changes.js';
import {addOwedRestarts} from '../lib/owed-restarts.js';
import {loadState} from '../../src/engine/state.js';
import type {CommandRunner} from '../../src/host/command.js';
import {createHost, type Host} from '../../src/host/host.js';
import type {Change} from '../../src/plan/change.js';
import {runtimeProvider} from '../../src/resources/runtime/provider.js';
import {createServiceProvider} from '../../src/resources/service/provider.js';
import {parseSystemctlShow} from '../../src/resources/service/systemctl-show.js';
import {conformance} from '../lib/conformance.js';
import {createFixtureRoot, type FixtureRoot} from '../lib/fixture-root.js';
import {providerRun} from '../lib/provider-run.js';

// A simulated systemctl over a fixture root: unit states live in a file of the root (`unit enabled active` lines), so
// that the conformance suite's outside change can edit them; every call is logged.
const db = '/var/lib/fake-systemd/units';
const systemState = '/var/lib/fake-systemd/system-state';
const calls = new Map<string, string[]>();

function fakeSystemctl(dir: string): CommandRunner {
  const ok = (stdout = '') => ({exitCode: 0, timedOut: false, stdout, stderr: '', started: true});
  return async ({argv}) => {
    calls.set(dir, [...(calls.get(dir) ?? []), argv.join(' ')]);
    const units = new Map(
      (await readFile(join(dir, db), 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((l) => [l.split(' ')[0]!, l.split(' ').slice(1)] as const),
    );
    const [, verb, ...rest] = argv;
    if (verb === 'is-system-running')
      return ok((await readFile(join(dir, systemState), 'utf8').catch(() => 'running')).trim() + '\n');
    if (verb === 'show') {
      return ok(
        rest
          .slice(rest.indexOf('--') + 1)
          .map((u) =>
            units.has(u)
              ? `Id=${u}\nLoadState=loaded\nUnitFileState=${units.get(u)![0]}\nActiveState=${units.get(u)![1]}\n`
              : `Id=${u}\nLoadState=not-found\nUnitFileState=\nActiveState=inactive\n`,
          )
          .join('\n'),
      );
    }
    const unit = rest.at(-1)!;
    const [enabled, active] = units.get(unit) ?? ['disabled', 'inactive'];
    const next = {
      enable: ['enabled', active],
      disable: ['disabled', active],
      start: [enabled, 'active'],
      restart: [enabled, 'active'],
      stop: [enabled, 'inactive'],
      'try-restart': [enabled, active],
    }[verb as 'enable'];
    if (!next) return {exitCode: 1, timedOut: false, stdout: '', stderr: `fake systemctl: ${verb}`, started: true};
    units.set(unit, next);
    await writeFile(join(dir, db), [...units].map(([u, s]) => `${u} ${s.join(' ')}\n`).join(''));
    return ok();
  };
}
const provider = createServiceProvider({runner: (host) => fakeSystemctl(host.root)});
const systemdFiles = {
  '/run/systemd/system/.keep': '',
  [db]: 'kubelet.service disabled inactive\nrpcbind.service enabled active\ncontainerd.service enabled active\n',
};

conformance(test, {
  name: 'service',
  provider,
  files: systemdFiles,
  spec: {services: {kubelet: {enabled: true, state: 'running'}, rpcbind: {enabled: false, state: 'stopped'}}},
  outsideChange: (root) =>
    root.write(
      db,
      'kubelet.service enabled inactive\nrpcbind.service disabled inactive\ncontainerd.service enabled active\n',
    ),
  driftedAddress: 'service.kubelet',
  documentChange: {
    spec: {services: {kubelet: {enabled: true, state: 'stopped'}, rpcbind: {enabled: false, state: 'stopped'}}},
    address: 'service.kubelet',
  },
  removedSpec: {},
  async assertRestored(root) {
    const text = await root.read(db);
    if (!text?.includes('kubelet.service disabled inactive') || !text.includes('rpcbind.service enabled active'))
      throw new Error(`units not restored: ${text}`);
  },
});

async function withRoot(
  files: Record<string, string>,
  body: (root: FixtureRoot, host: Host) => Promise<void>,
): Promise<void> {
  const root = await createFixtureRoot(files);
  try {
    await body(
      root,
      createHost({
        root: root.dir,
        runner: async () => ({
          exitCode: 0,
          timedOut: false,
          stdout: 'containerd github.com/containerd/containerd 1.6.20~ds1 x\n',
          stderr: '',
          started: true,
        }),
      }),
    );
  } finally {
    await root.cleanup();
  }
}

const {plan} = providerRun([runtimeProvider, provider]);

test('parseSystemctlShow reads one block per unit, in order', (t) => {
  t.deepEqual(
    parseSystemctlShow(
      'Id=a.service\nLoadState=loaded\nUnitFileState=enabled\nActiveState=active\n\nId=b.service\nLoadState=not-found\nUnitFileState=\nActiveState=inactive\n',
      ['a.service', 'b.service'],
    ),
    {
      'a.service': {id: 'a.service', loadState: 'loaded', unitFileState: 'enabled', activeState: 'active'},
      'b.service': {id: 'b.service', loadState: 'not-found', unitFileState: '', activeState: 'inactive'},
    },
  );
});

test('a runtime config change owes one containerd restart, after it, shown as a disruption, run once by systemctl try-restart', (t) =>
  withRoot({...systemdFiles, '/etc/containerd/config.toml': 'version = 2\n'}, async (root, host) => {
    const spec = {
      runtime: {engine: 'containerd' as const, settings: {oom_score: -999}},
      services: {kubelet: {enabled: true, state: 'running' as const}},
    };
    const planned = await plan(host, spec);
    t.deepEqual(planned.diagnostics, []);
    t.deepEqual(
      planned.changes.map((c) => [c.address, c.action, c.disruption]),
      [
        ['runtime.containerd', 'create', 'restart:containerd.service'],
        ['service.containerd', 'update', 'restart:containerd.service'],
        ['service.kubelet', 'create', 'none'],
      ],
    );
    t.is(planned.changes[1]!.reason, 'restart owed by runtime.containerd');
    t.deepEqual(planned.changes[1]!.dependsOn, ['runtime.containerd']);
    calls.delete(root.dir);
    const result = await applyChanges({
      host,
      changes: planned.changes,
      state: await loadState(host),
      providers: [runtimeProvider, provider],
    });
    t.falsy(result.failed);
    t.deepEqual(
      (calls.get(root.dir) ?? []).filter((c) => !c.includes(' show ') && !c.includes('is-system-running')),
      [
        'systemctl try-restart -- containerd.service',
        'systemctl enable -- kubelet.service',
        'systemctl start -- kubelet.service',
      ],
    );
    t.deepEqual((await plan(host, spec)).changes, []);
  }));

test('a unit to start that is also owed a restart is restarted (a package may have started it with the old config); during boot, starts are queued', (t) =>
  withRoot(
    {
      ...systemdFiles,
      '/etc/containerd/config.toml': 'version = 2\n',
      [db]: 'containerd.service enabled active\nkubelet.service disabled inactive\n',
    },
    async (root, host) => {
      const spec = {
        runtime: {engine: 'containerd' as const, settings: {oom_score: -999}},
        services: {
          containerd: {enabled: true, state: 'running' as const},
          kubelet: {enabled: true, state: 'running' as const},
        },
      };
      await root.write(db, 'containerd.service enabled inactive\nkubelet.service disabled inactive\n');
      await root.write(systemState, 'starting');
      const planned = await plan(host, spec);
      t.deepEqual(
        planned.changes.map((c) => [c.address, c.action]),
        [
          ['runtime.containerd', 'create'],
          ['service.containerd', 'create'],
          ['service.kubelet', 'create'],
        ],
      );
      calls.delete(root.dir);
      t.falsy(
        (
          await applyChanges({
            host,
            changes: planned.changes,
            state: await loadState(host),
            providers: [runtimeProvider, provider],
          })
        ).failed,
      );
      t.deepEqual(
        (calls.get(root.dir) ?? []).filter((c) => !c.includes(' show ') && !c.includes('is-system-running')),
        [
          'systemctl restart --no-block -- containerd.service',
          'systemctl enable -- kubelet.service',
          'systemctl start --no-block -- kubelet.service',
        ],
        'queued, not waited for: both units are ordered after cosi-apply.service at boot',
      );
    },
  ));

test('without systemd in the root, the plan says units cannot be managed there', (t) =>
  withRoot({}, async (_root, host) => {
    const planned = await plan(host, {services: {kubelet: {enabled: true}}});
    t.deepEqual(planned.changes, []);
    t.deepEqual(
      planned.diagnostics.map((d) => [d.severity, d.summary]),
      [
        [
          'warning',
          'service kubelet.service cannot be managed here: systemd is not running in this root (no /run/systemd/system)',
        ],
      ],
    );
  }));

test("addOwedRestarts: one restart per unit after all its causes, merged into the unit's own change, runtime before kubelet", (t) => {
  const change = (
    address: string,
    kind: Change['kind'],
    disruption: Change['disruption'],
    extra: Partial<Change> = {},
  ): Change => ({
    address,
    kind,
    action: 'update',
    before: null,
    after: null,
    reason: 'r',
    disruption,
    dependsOn: [],
    inputs: 'x',
    ...extra,
  });
  const out = addOwedRestarts([
    change('package.containerd', 'package', 'restart:containerd.service'),
    change('runtime.containerd', 'runtime', 'restart:containerd.service'),
    change('package.kubelet', 'package', 'restart:kubelet.service'),
    change('service.kubelet', 'service', 'none', {data: {unit: 'kubelet.service', enable: true}}),
  ]);
  const containerd = out.find((c) => c.address === 'service.containerd')!;
  t.deepEqual(containerd.dependsOn, ['package.containerd', 'runtime.containerd']);
  t.is(containerd.reason, 'restart owed by package.containerd, runtime.containerd');
  const kubelet = out.find((c) => c.address === 'service.kubelet')!;
  t.deepEqual(kubelet.dependsOn, ['package.kubelet', 'service.containerd']);
  t.is(kubelet.disruption, 'restart:kubelet.service');
  t.deepEqual(kubelet.data, {
    unit: 'kubelet.service',
    enable: true,
    restart: {unit: 'kubelet.service', causes: ['package.kubelet']},
  });
  t.is(out.length, 5);
});

import {spawnSync} from 'node:child_process';
import {writeFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import test from 'ava';
import {applyChanges} from '../../src/engine/apply-changes.js';
import {readInterrupted, type JournalEntry} from '../../src/engine/journal.js';
import {loadState} from '../../src/engine/state.js';
import {createHost} from '../../src/host/host.js';
import type {OwedRestart} from '../../src/resources/service/owed-restarts.js';
import {addOwedRestarts, owedRestartOf, restartsOwedByInterrupted} from '../lib/owed-restarts.js';
import type {Provider} from '../../src/engine/provider.js';
import type {Change} from '../../src/plan/change.js';
import {createFixtureRoot, kernelFiles} from '../lib/fixture-root.js';

// Restarts owed by an apply that was killed before carrying them out are read back from its journal and planned
// again. (The SIGKILL-at-every-crash-point proof is test/e2e/crash-safety-restarts.test.ts.)

const t0 = '2026-01-02T03:04:05.000Z';
const begin = (restarts: OwedRestart[] | undefined): JournalEntry => ({
  event: 'begin',
  at: t0,
  pid: 1,
  changes: ['runtime.containerd', 'sysctl.vm.swappiness', 'service.containerd'],
  ...(restarts ? {restarts} : {}),
});
const entry = (event: 'start' | 'done', address: string): JournalEntry => ({event, at: t0, address});
const containerd = {unit: 'containerd.service', causes: ['runtime.containerd']};

const cases: Array<[string, JournalEntry[], string[]]> = [
  [
    'killed before the cause started: the next plan finds the cause again',
    [begin([containerd]), entry('start', 'sysctl.vm.swappiness')],
    [],
  ],
  [
    'killed while the cause was under way: owed',
    [begin([containerd]), entry('start', 'runtime.containerd')],
    ['containerd.service'],
  ],
  [
    'killed after the cause: owed',
    [
      begin([containerd]),
      entry('start', 'runtime.containerd'),
      entry('done', 'runtime.containerd'),
      entry('start', 'sysctl.vm.swappiness'),
    ],
    ['containerd.service'],
  ],
  [
    'killed during the restart: owed (it may not have run)',
    [
      begin([containerd]),
      entry('start', 'runtime.containerd'),
      entry('done', 'runtime.containerd'),
      entry('start', 'service.containerd'),
    ],
    ['containerd.service'],
  ],
  [
    'killed after the restart: done',
    [
      begin([containerd]),
      entry('start', 'runtime.containerd'),
      entry('done', 'runtime.containerd'),
      entry('start', 'service.containerd'),
      entry('done', 'service.containerd'),
    ],
    [],
  ],
  [
    'taken over from an earlier interrupted apply: owed without its causes',
    [begin([{unit: 'containerd.service', causes: [], interrupted: '2026-01-01T00:00:00.000Z'}])],
    ['containerd.service'],
  ],
  ['a journal from before restarts were journaled: none', [begin(undefined), entry('start', 'runtime.containerd')], []],
  ['no begin entry: none', [entry('start', 'runtime.containerd')], []],
];

for (const [name, entries, units] of cases) {
  test(`restartsOwedByInterrupted: ${name}`, (t) => {
    const owed = restartsOwedByInterrupted(entries);
    t.deepEqual(
      owed.map((r) => r.unit),
      units,
    );
    for (const r of owed)
      t.is(
        r.interrupted,
        r.causes.length === 0 ? '2026-01-01T00:00:00.000Z' : t0,
        'owed since the apply that first owed it began',
      );
  });
}

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
const interrupted = [{unit: 'containerd.service', causes: ['runtime.containerd'], interrupted: t0}];

test('addOwedRestarts: a restart an interrupted apply owed is planned alone, keeping when it was first owed', (t) => {
  const out = addOwedRestarts([change('sysctl.vm.swappiness', 'sysctl', 'none')], interrupted);
  const restart = out.find((c) => c.address === 'service.containerd')!;
  t.is(restart.action, 'update');
  t.is(restart.disruption, 'restart:containerd.service');
  t.is(restart.reason, `restart owed by an interrupted apply (${t0})`);
  t.deepEqual(restart.dependsOn, []);
  t.deepEqual(owedRestartOf(restart), {unit: 'containerd.service', causes: [], interrupted: t0});
  t.not(
    restart.inputs,
    addOwedRestarts([change('runtime.containerd', 'runtime', 'restart:containerd.service')]).find(
      (c) => c.kind === 'service',
    )!.inputs,
  );
});

test('addOwedRestarts: an interrupted restart and a new cause make one restart after the cause', (t) => {
  const out = addOwedRestarts(
    [change('runtime.containerd', 'runtime', 'restart:containerd.service')],
    [...interrupted, {unit: 'containerd.service', causes: [], interrupted: '2026-01-01T00:00:00.000Z'}],
  );
  const restarts = out.filter((c) => c.kind === 'service');
  t.is(restarts.length, 1);
  t.deepEqual(restarts[0]!.dependsOn, ['runtime.containerd']);
  t.is(
    restarts[0]!.reason,
    'restart owed by runtime.containerd; restart owed by an interrupted apply (2026-01-01T00:00:00.000Z)',
  );
  t.deepEqual(owedRestartOf(restarts[0]!), {
    unit: 'containerd.service',
    causes: ['runtime.containerd'],
    interrupted: '2026-01-01T00:00:00.000Z',
  });
});

test("addOwedRestarts: an interrupted restart merges into the unit's own change and a noop for the unit becomes the restart", (t) => {
  const start = addOwedRestarts(
    [change('service.containerd', 'service', 'none', {data: {unit: 'containerd.service', start: true}})],
    interrupted,
  );
  t.is(start.length, 1);
  t.deepEqual(start[0]!.data, {
    unit: 'containerd.service',
    start: true,
    restart: {unit: 'containerd.service', causes: [], interrupted: t0},
  });
  t.regex(start[0]!.reason, /^r; restart owed by an interrupted apply/);
  t.not(start[0]!.inputs, 'x', 'a saved plan holding it goes stale once the restart is no longer owed');
  const noop = addOwedRestarts(
    [change('service.containerd', 'service', 'none', {action: 'noop', data: {unit: 'containerd.service'}})],
    interrupted,
  );
  t.is(noop[0]!.action, 'update');
  t.is(noop[0]!.disruption, 'restart:containerd.service');
});

const here = dirname(fileURLToPath(import.meta.url));
const bin = join(here, '../../../bin/cosi.js');

test('cosi plan and apply carry out a restart owed by an interrupted apply, and apply reports it', async (t) => {
  const root = await createFixtureRoot(kernelFiles);
  t.teardown(() => root.cleanup());
  const config = join(root.dir, 'config.yaml');
  writeFileSync(
    config,
    'apiVersion: cosi.dev/v1alpha1\nkind: NodeConfig\nmetadata: {name: fixture}\nspec:\n  sysctls:\n    vm.swappiness: "60"\n',
  );
  const journal = [begin([containerd]), entry('start', 'runtime.containerd'), entry('done', 'runtime.containerd')];
  await root.write('/var/lib/cosi/journal.jsonl', journal.map((e) => JSON.stringify(e)).join('\n') + '\n');
  const cosi = (...args: string[]) =>
    spawnSync(process.execPath, [bin, ...args, '--root', root.dir], {
      encoding: 'utf8',
      env: {...process.env, NO_COLOR: '1'},
    });

  const plan = cosi('plan', config, '--detailed-exitcode');
  t.is(plan.status, 2, plan.stderr);
  t.regex(
    plan.stdout,
    /# service\.containerd will be updated: restart owed by an interrupted apply \(2026-01-02T03:04:05\.000Z\)/,
  );

  // No systemd in this root: the restart is a no-op here, but the apply takes it over and completes, ending the journal.
  const apply = cosi('apply', config, '--auto-approve');
  t.is(apply.status, 0, apply.stderr);
  t.regex(
    apply.stderr,
    /a previous apply was interrupted during runtime\.containerd; planning again from the node as it is now, with the restarts it still owed \(containerd\.service\)/,
  );
  t.regex(apply.stdout, /service\.containerd: update complete/);
  t.is(await root.read('/var/lib/cosi/journal.jsonl'), undefined);
  t.is(cosi('plan', config, '--detailed-exitcode').status, 0, 'nothing owed any more');
});

test('an apply that fails after a change owing a restart keeps the journal, so the next run still carries the restart out', async (t) => {
  const fake = (kind: Change['kind'], fail: boolean): Provider => ({
    kind,
    sections: [],
    probe: async () => ({}),
    plan: () => ({changes: []}),
    apply: async () => {
      if (fail) throw new Error('the package manager is locked');
      return {forget: true};
    },
  });
  for (const failsAt of ['sysctl.vm.swappiness', 'runtime.containerd'] as const) {
    const root = await createFixtureRoot({});
    const host = createHost({root: root.dir});
    const changes = addOwedRestarts([
      change('runtime.containerd', 'runtime', 'restart:containerd.service'),
      change('sysctl.vm.swappiness', 'sysctl', 'none', {dependsOn: []}),
    ]);
    const ordered = [
      changes.find(
        (c) => c.address === (failsAt === 'runtime.containerd' ? 'sysctl.vm.swappiness' : 'runtime.containerd'),
      )!,
      changes.find((c) => c.address === failsAt)!,
      changes.find((c) => c.kind === 'service')!,
    ];
    const providers = [
      fake('runtime', failsAt === 'runtime.containerd'),
      fake('sysctl', failsAt === 'sysctl.vm.swappiness'),
      fake('service', false),
    ];
    const result = await applyChanges({host, changes: ordered, state: await loadState(host), providers});
    t.is(result.failed?.change.address, failsAt);
    const journal = await readInterrupted(host);
    t.truthy(journal, `failed at ${failsAt}: the journal stays`);
    t.deepEqual(
      restartsOwedByInterrupted(journal!).map((r) => r.unit),
      ['containerd.service'],
      `failed at ${failsAt}: the restart is still owed`,
    );
    await root.cleanup();
  }
  // A failure before anything owing a restart started: nothing to carry over, the journal ends.
  const root = await createFixtureRoot({});
  t.teardown(() => root.cleanup());
  const host = createHost({root: root.dir});
  const changes = addOwedRestarts([
    change('runtime.containerd', 'runtime', 'restart:containerd.service'),
    change('sysctl.vm.swappiness', 'sysctl', 'none'),
  ]);
  const ordered = [
    changes.find((c) => c.address === 'sysctl.vm.swappiness')!,
    changes.find((c) => c.address === 'runtime.containerd')!,
    changes.find((c) => c.kind === 'service')!,
  ];
  const result = await applyChanges({
    host,
    changes: ordered,
    state: await loadState(host),
    providers: [fake('runtime', false), fake('sysctl', true), fake('service', false)],
  });
  t.is(result.failed?.change.address, 'sysctl.vm.swappiness');
  t.is(await readInterrupted(host), undefined);
});

import test from 'ava';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {applyChanges, type StopSignal} from '../../src/engine/apply-changes.js';
import {journalFile, readInterrupted} from '../../src/engine/journal.js';
import type {Provider} from '../../src/engine/provider.js';
import {emptyState} from '../../src/engine/state.js';
import {createHost} from '../../src/host/host.js';
import type {Change} from '../../src/plan/change.js';
import {createFixtureRoot} from '../lib/fixture-root.js';

const change = (n: number): Change => ({
  address: `sysctl.k${n}`,
  kind: 'sysctl',
  action: 'create',
  before: null,
  after: '1',
  reason: 'r',
  disruption: 'none',
  dependsOn: [],
  inputs: 'i',
});

test('a stop requested during a change ends the apply before the next one and keeps a resumable journal', async (t) => {
  const root = await createFixtureRoot({});
  t.teardown(() => root.cleanup());
  const host = createHost({root: root.dir});
  const stop: StopSignal = {};
  const done: string[] = [];
  const provider = {
    kind: 'sysctl',
    async apply({change: c}: {change: Change}) {
      done.push(c.address);
      if (c.address === 'sysctl.k1') stop.requested = 'SIGTERM';
      return {};
    },
  } as unknown as Provider;
  const result = await applyChanges({
    host,
    changes: [change(0), change(1), change(2), change(3)],
    state: emptyState,
    providers: [provider],
    stop,
  });
  t.is(result.stopped, 'SIGTERM');
  t.deepEqual(done, ['sysctl.k0', 'sysctl.k1'], 'the change in progress finishes; none starts after the stop');
  t.deepEqual(
    result.applied.map((c) => c.address),
    ['sysctl.k0', 'sysctl.k1'],
  );
  const journal = await readInterrupted(host);
  t.like(journal?.at(-1), {event: 'stopped', signal: 'SIGTERM'});
  t.like(journal?.at(-2), {event: 'done', address: 'sysctl.k1'});
});

test('a journal line cosi did not write is an error naming the journal, not a line silently dropped', async (t) => {
  const root = await createFixtureRoot({});
  t.teardown(() => root.cleanup());
  const host = createHost({root: root.dir});
  await root.write(journalFile, '{"event":"begin","at":"t","pid":1,"changes":["a"]}\nnot json\n');
  await t.throwsAsync(readInterrupted(host), {
    message: /journal \/var\/lib\/cosi\/journal\.jsonl is damaged at line 2 \(not a JSON object\)/,
  });
  writeFileSync(join(root.dir, journalFile), '{"event":"begin","at":"t","pid":1,"changes":[{"$ne":1}]}\n');
  await t.throwsAsync(readInterrupted(host), {message: /line 1 \(a begin entry without its pid and changes\)/});
  writeFileSync(join(root.dir, journalFile), '{"event":"rm -rf","at":"t"}\n');
  await t.throwsAsync(readInterrupted(host), {message: /unknown event "rm -rf"/});
});

test('a state file with wrong types is an error naming it and the problem; nothing is planned from it', async (t) => {
  const {loadState, stateFile} = await import('../../src/engine/state.js');
  const root = await createFixtureRoot({});
  t.teardown(() => root.cleanup());
  const host = createHost({root: root.dir});
  const record = {
    original: '60',
    applied: '10',
    since: '2026-01-02T03:04:05.000Z',
    updated: '2026-01-02T03:04:05.000Z',
  };
  await root.write(stateFile, JSON.stringify({version: 1, resources: {'sysctl.vm.swappiness': record}}));
  t.like(await loadState(host), {resources: {'sysctl.vm.swappiness': record}});
  for (const [bad, problem] of [
    [
      {version: 1, resources: {'sysctl.vm.swappiness': {...record, since: 5}}},
      /\/resources\/sysctl\.vm\.swappiness\/since must be string/,
    ],
    [
      {version: 1, resources: {'sysctl.vm.swappiness': {applied: '10', since: record.since, updated: record.since}}},
      /must have required property 'original'/,
    ],
    [{version: 1, resources: []}, /\/resources must be object/],
    [{version: 2, resources: {}}, /\/version must be equal to constant/],
    [{version: 1, resources: {}, extra: true}, /must NOT have additional properties/],
  ] as const) {
    await root.write(stateFile, JSON.stringify(bad));
    await t.throwsAsync(loadState(host), {
      message: new RegExp(`state file /var/lib/cosi/state\\.json is not cosi's state \\(.*${problem.source}`),
    });
  }
  await root.write(stateFile, '{"version": 1,');
  await t.throwsAsync(loadState(host), {message: /state file \/var\/lib\/cosi\/state\.json is not JSON/});
});

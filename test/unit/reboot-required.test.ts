import test from 'ava';
import {applyChanges} from '../../src/engine/apply-changes.js';
import type {Provider} from '../../src/engine/provider.js';
import {emptyState} from '../../src/engine/state.js';
import {createHost} from '../../src/host/host.js';
import type {Change} from '../../src/plan/change.js';
import type {Disruption} from '../../src/plan/disruption.js';
import {createFixtureRoot} from '../lib/fixture-root.js';

const change = (address: string, kind: Change['kind'], disruption: Disruption): Change => ({
  address,
  kind,
  action: 'create',
  before: null,
  after: 1,
  reason: 'test',
  disruption,
  dependsOn: [],
  inputs: '',
});

function provider(kind: Change['kind'], fail = false): Provider {
  return {
    kind,
    sections: [],
    probe: async () => ({}),
    plan: () => ({changes: []}),
    apply: async () => {
      if (fail) throw new Error('it broke');
      return {forget: true};
    },
  };
}

test('an apply whose changes owe no reboot writes no reboot-required file', async (t) => {
  const root = await createFixtureRoot({});
  t.teardown(() => root.cleanup());
  await applyChanges({
    host: createHost({root: root.dir}),
    changes: [change('sysctl.a', 'sysctl', 'none'), change('service.b', 'service', 'restart:b.service')],
    state: emptyState,
    providers: [provider('sysctl'), provider('service')],
  });
  t.is(await root.read('/var/run/reboot-required'), undefined);
});

test('a reboot owed by a change done before a failure is still written', async (t) => {
  const root = await createFixtureRoot({});
  t.teardown(() => root.cleanup());
  const result = await applyChanges({
    host: createHost({root: root.dir}),
    changes: [change('module.a', 'module', 'reboot'), change('service.b', 'service', 'none')],
    state: emptyState,
    providers: [provider('module'), provider('service', true)],
  });
  t.is(result.failed?.message, 'it broke');
  t.is(await root.read('/var/run/reboot-required'), '*** System restart required ***\n');
  t.is(await root.read('/var/run/reboot-required.pkgs'), 'cosi\n');
});

import test from 'ava';
import {ResourceStore, tailCapacity, type KindEvent} from '../../src/agent/resource-store.js';
import type {ResourceBody} from '../../src/agent/resource.js';

const body = (id: string, spec: unknown, labels: Record<string, string> = {}): ResourceBody => ({
  namespace: 'node',
  type: 'SysctlStatuses.cosi.dev',
  id,
  labels,
  spec,
});

test('versions start at 1 and increase on every change of spec or labels, never on an equal body', (t) => {
  const store = new ResourceStore();
  store.replaceKind('node', 'SysctlStatuses.cosi.dev', [body('a', {live: '0'}), body('b', {live: '1'})]);
  t.is(store.get('node', 'SysctlStatuses.cosi.dev', 'a')!.version, 1);
  t.deepEqual(
    store.replaceKind('node', 'SysctlStatuses.cosi.dev', [body('a', {live: '0'}), body('b', {live: '1'})]),
    [],
  );
  t.is(store.get('node', 'SysctlStatuses.cosi.dev', 'a')!.version, 1);
  const events = store.replaceKind('node', 'SysctlStatuses.cosi.dev', [
    body('a', {live: '1'}),
    body('b', {live: '1'}, {x: 'y'}),
  ]);
  t.deepEqual(
    events.map((e) => [e.type, e.resource.id, e.resource.version, e.old?.version]),
    [
      ['UPDATED', 'a', 2, 1],
      ['UPDATED', 'b', 2, 1],
    ],
  );
  t.is(
    store.get('node', 'SysctlStatuses.cosi.dev', 'a')!.created,
    store.get('node', 'SysctlStatuses.cosi.dev', 'a')!.created,
  );
});

test('a resource missing from a replacement is destroyed; one coming back is created again at a higher version', (t) => {
  const store = new ResourceStore();
  store.replaceKind('node', 'SysctlStatuses.cosi.dev', [body('a', 1)]);
  store.replaceKind('node', 'SysctlStatuses.cosi.dev', [body('a', 2)]);
  const gone = store.replaceKind('node', 'SysctlStatuses.cosi.dev', []);
  t.deepEqual(
    gone.map((e) => [e.type, e.resource.id]),
    [['DESTROYED', 'a']],
  );
  t.deepEqual(store.list('node', 'SysctlStatuses.cosi.dev'), []);
  const back = store.replaceKind('node', 'SysctlStatuses.cosi.dev', [body('a', 3)]);
  t.is(back[0]!.type, 'CREATED');
  t.is(back[0]!.resource.version, 1, 'a new resource: its history started again');
});

test('list is ordered by id; kinds are apart', (t) => {
  const store = new ResourceStore();
  store.replaceKind('node', 'SysctlStatuses.cosi.dev', [body('vm.b', 1), body('net.a', 1), body('kernel.c', 1)]);
  store.replaceKind('plan', 'Changes.cosi.dev', [
    {...body('sysctl.x', 1), namespace: 'plan', type: 'Changes.cosi.dev'},
  ]);
  t.deepEqual(
    store.list('node', 'SysctlStatuses.cosi.dev').map((r) => r.id),
    ['kernel.c', 'net.a', 'vm.b'],
  );
  t.deepEqual(
    store.list('plan', 'Changes.cosi.dev').map((r) => r.id),
    ['sysctl.x'],
  );
  t.deepEqual(store.list('node', 'ModuleStatuses.cosi.dev'), []);
});

test('listeners hear every event of their kind in order, with increasing positions, until they unsubscribe', (t) => {
  const store = new ResourceStore();
  const heard: KindEvent[] = [];
  const {unsubscribe, position} = store.subscribe('node', 'SysctlStatuses.cosi.dev', (e) => heard.push(e));
  t.is(position, 0);
  store.replaceKind('node', 'SysctlStatuses.cosi.dev', [body('a', 1)]);
  store.replaceKind('node', 'ModuleStatuses.cosi.dev', [{...body('m', 1), type: 'ModuleStatuses.cosi.dev'}]);
  store.replaceKind('node', 'SysctlStatuses.cosi.dev', [body('a', 2)]);
  t.deepEqual(
    heard.map((e) => [e.type, e.position]),
    [
      ['CREATED', 1],
      ['UPDATED', 2],
    ],
  );
  t.is(store.listenerCount(), 1);
  unsubscribe();
  t.is(store.listenerCount(), 0);
  store.replaceKind('node', 'SysctlStatuses.cosi.dev', []);
  t.is(heard.length, 2);
});

test('the history keeps the last events of a kind, bounded', (t) => {
  const store = new ResourceStore();
  for (let i = 0; i < tailCapacity + 50; i++) store.replaceKind('node', 'SysctlStatuses.cosi.dev', [body('a', i)]);
  const {history} = store.subscribe('node', 'SysctlStatuses.cosi.dev', () => undefined);
  t.is(history.length, tailCapacity);
  t.is(history.at(-1)!.position, tailCapacity + 50);
});

test('on-demand reads are versioned (same value, same version) and neither listed nor evented', (t) => {
  const store = new ResourceStore();
  const heard: KindEvent[] = [];
  store.subscribe('node', 'SysctlStatuses.cosi.dev', (e) => heard.push(e));
  t.is(store.observed(body('net.ipv4.ip_default_ttl', {live: '64'})).version, 1);
  t.is(store.observed(body('net.ipv4.ip_default_ttl', {live: '64'})).version, 1);
  t.is(store.observed(body('net.ipv4.ip_default_ttl', {live: '65'})).version, 2);
  t.deepEqual(store.list('node', 'SysctlStatuses.cosi.dev'), []);
  t.deepEqual(heard, []);
});

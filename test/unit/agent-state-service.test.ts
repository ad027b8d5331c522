import test from 'ava';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import type * as GrpcJs from '@grpc/grpc-js';
import {ResourceStore} from '../../src/agent/resource-store.js';
import type {ResourceBody} from '../../src/agent/resource.js';
import type {StateBackend} from '../../src/agent/state-backend.js';
import {stateHandlers, type Access} from '../../src/agent/state-service.js';
import {loadWire} from '../../src/agent/state-wire.js';

// The State service's semantics over a real gRPC channel (grpc-js on a unix socket in a temporary directory): what
// cosi-project/runtime's server does for Get, List with queries, Watch (the empty first response, bootstrap, tails,
// one resource), and the refusals of the read socket.

type Message = Record<string, unknown>;
const wire = loadWire();
const sysctl = (id: string, live: string, managed = true): ResourceBody => ({
  namespace: 'node',
  type: 'SysctlStatuses.cosi.dev',
  id,
  labels: {'cosi.dev/kind': 'sysctl', 'cosi.dev/managed': String(managed)},
  spec: {key: id, live},
});

async function serve(access: Access, store: ResourceStore) {
  const dir = mkdtempSync(join(tmpdir(), 'cosi-state-'));
  const socket = join(dir, 's.sock');
  const backend: StateBackend = {
    store,
    readSysctl: async (id) => (id === 'net.ipv4.ip_default_ttl' ? store.observed(sysctl(id, '64', false)) : undefined),
    updateConfig: async () => ({ok: false, reason: 'conflict', message: 'conflict'}),
  };
  const server = new wire.grpc.Server();
  server.addService(wire.service, stateHandlers(wire, backend, access));
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix:${socket}`, wire.grpc.ServerCredentials.createInsecure(), (e) =>
      e ? reject(e) : resolve(),
    ),
  );
  const Client = wire.grpc.makeGenericClientConstructor(wire.service, 'State');
  const client = new Client(`unix:${socket}`, wire.grpc.credentials.createInsecure()) as unknown as Record<
    string,
    (...args: unknown[]) => unknown
  > &
    GrpcJs.Client;
  return {
    client,
    unary: (method: string, request: Message) =>
      new Promise<Message>((resolve, reject) =>
        client[method]!.call(client, request, (e: GrpcJs.ServiceError | null, r: Message) =>
          e ? reject(e) : resolve(r),
        ),
      ),
    stream: (method: string, request: Message) =>
      client[method]!.call(client, request) as GrpcJs.ClientReadableStream<Message>,
    close: () => {
      client.close();
      server.forceShutdown();
      rmSync(dir, {recursive: true, force: true});
    },
  };
}

const collect = (call: GrpcJs.ClientReadableStream<Message>) =>
  new Promise<Message[]>((resolve, reject) => {
    const items: Message[] = [];
    call
      .on('data', (m: Message) => items.push(m))
      .on('error', reject)
      .on('end', () => resolve(items));
  });

/** firstN reads a stream's first n messages, then cancels it. */
const firstN = (call: GrpcJs.ClientReadableStream<Message>, n: number, then?: () => void) =>
  new Promise<Message[]>((resolve, reject) => {
    const items: Message[] = [];
    call.on('data', (m: Message) => {
      items.push(m);
      if (items.length === 1) then?.();
      if (items.length === n) {
        call.cancel();
        resolve(items);
      }
    });
    call.on('error', (e: GrpcJs.ServiceError) => (e.code === wire.grpc.status.CANCELLED ? undefined : reject(e)));
  });

const ids = (responses: Message[]) => responses.map((r) => ((r['resource'] as Message)['metadata'] as Message)['id']);
const events = (responses: Message[]) =>
  responses.map((r) =>
    (r['event'] as Message[]).map((e) => [e['event_type'], ((e['resource'] as Message)['metadata'] as Message)['id']]),
  );

test('Get and List: versions, label and id queries, on-demand sysctls, NOT_FOUND for unknown types', async (t) => {
  const store = new ResourceStore();
  store.replaceKind('node', 'SysctlStatuses.cosi.dev', [
    sysctl('net.ipv4.ip_forward', '1'),
    sysctl('vm.swappiness', '60', false),
  ]);
  const s = await serve('read', store);
  t.teardown(s.close);
  const got = (await s.unary('Get', {namespace: 'node', type: 'SysctlStatuses.cosi.dev', id: 'net.ipv4.ip_forward'}))[
    'resource'
  ] as Message;
  t.like(got['metadata'] as Message, {
    version: '1',
    owner: 'cosi',
    phase: 'running',
    labels: {'cosi.dev/managed': 'true'},
  });
  t.regex((got['spec'] as Message)['yaml_spec'] as string, /live: "1"/);
  const ttl = (
    await s.unary('Get', {namespace: 'node', type: 'SysctlStatuses.cosi.dev', id: 'net.ipv4.ip_default_ttl'})
  )['resource'] as Message;
  t.regex((ttl['spec'] as Message)['yaml_spec'] as string, /live: "64"/);
  const all = await collect(s.stream('List', {namespace: 'node', type: 'SysctlStatuses.cosi.dev'}));
  t.deepEqual(ids(all), ['net.ipv4.ip_forward', 'vm.swappiness']);
  const managed = await collect(
    s.stream('List', {
      namespace: 'node',
      type: 'SysctlStatuses.cosi.dev',
      options: {label_query: [{terms: [{key: 'cosi.dev/managed', op: 'EQUAL', value: ['false']}]}]},
    }),
  );
  t.deepEqual(ids(managed), ['vm.swappiness']);
  const byId = await collect(
    s.stream('List', {namespace: 'node', type: 'SysctlStatuses.cosi.dev', options: {id_query: {regexp: '^net\\.'}}}),
  );
  t.deepEqual(ids(byId), ['net.ipv4.ip_forward']);
  await t.throwsAsync(s.unary('Get', {namespace: 'node', type: 'SysctlStatuses.cosi.dev', id: 'nope'}), {
    message: /NOT_FOUND/,
  });
  await t.throwsAsync(collect(s.stream('List', {namespace: 'node', type: 'Nope.cosi.dev'})), {message: /NOT_FOUND/});
  await t.throwsAsync(collect(s.stream('List', {namespace: 'plan', type: 'SysctlStatuses.cosi.dev'})), {
    message: /NOT_FOUND/,
  });
  await t.throwsAsync(
    collect(s.stream('List', {namespace: 'node', type: 'SysctlStatuses.cosi.dev', options: {id_query: {regexp: '('}}})),
    {
      message: /INVALID_ARGUMENT/,
    },
  );
});

test('Watch of a type: an empty response, the bootstrap (CREATED..., BOOTSTRAPPED), then events as observed', async (t) => {
  const store = new ResourceStore();
  store.replaceKind('node', 'SysctlStatuses.cosi.dev', [sysctl('a', '0'), sysctl('b', '0')]);
  const s = await serve('read', store);
  t.teardown(s.close);
  const responses = await firstN(
    s.stream('Watch', {
      namespace: 'node',
      type: 'SysctlStatuses.cosi.dev',
      options: {bootstrap_contents: true},
      api_version: 1,
    }),
    6,
    () => setTimeout(() => store.replaceKind('node', 'SysctlStatuses.cosi.dev', [sysctl('a', '1')]), 50),
  );
  t.deepEqual(events(responses), [
    [],
    [['CREATED', 'a']],
    [['CREATED', 'b']],
    [['BOOTSTRAPPED', '']],
    [['UPDATED', 'a']],
    [['DESTROYED', 'b']],
  ]);
  const updated = (responses[4]!['event'] as Message[])[0]!;
  t.is(((updated['old'] as Message)['metadata'] as Message)['version'], '1');
  t.is(((updated['resource'] as Message)['metadata'] as Message)['version'], '2');
});

test('Watch: api_version 0 gets no BOOTSTRAPPED; tail_events replays; one resource starts with its state', async (t) => {
  const store = new ResourceStore();
  store.replaceKind('node', 'SysctlStatuses.cosi.dev', [sysctl('a', '0')]);
  store.replaceKind('node', 'SysctlStatuses.cosi.dev', [sysctl('a', '1')]);
  const s = await serve('read', store);
  t.teardown(s.close);
  const old = await firstN(
    s.stream('Watch', {namespace: 'node', type: 'SysctlStatuses.cosi.dev', options: {bootstrap_contents: true}}),
    2,
  );
  t.deepEqual(events(old), [[], [['CREATED', 'a']]]);
  const tail = await firstN(
    s.stream('Watch', {namespace: 'node', type: 'SysctlStatuses.cosi.dev', options: {tail_events: 5}}),
    3,
  );
  t.deepEqual(events(tail), [[], [['CREATED', 'a']], [['UPDATED', 'a']]]);
  const one = await firstN(s.stream('Watch', {namespace: 'node', type: 'SysctlStatuses.cosi.dev', id: 'a'}), 2);
  t.deepEqual(events(one), [[], [['CREATED', 'a']]]);
  const none = await firstN(s.stream('Watch', {namespace: 'node', type: 'SysctlStatuses.cosi.dev', id: 'zz'}), 2);
  t.deepEqual(events(none), [[], [['DESTROYED', 'zz']]]);
  await t.throwsAsync(
    collect(
      s.stream('Watch', {
        namespace: 'node',
        type: 'SysctlStatuses.cosi.dev',
        id: 'a',
        options: {bootstrap_contents: true},
      }),
    ),
    {message: /UNIMPLEMENTED/},
  );
  for (let i = 0; i < 50 && store.listenerCount() > 0; i++) await new Promise((r) => setTimeout(r, 20));
  t.is(store.listenerCount(), 0, 'cancelled watches are gone');
});

test('the read socket refuses every write; the admin socket refuses all but the document', async (t) => {
  const store = new ResourceStore();
  const read = await serve('read', store);
  t.teardown(read.close);
  for (const method of ['Create', 'Update', 'Destroy', 'Teardown', 'TeardownAndDestroy'])
    await t.throwsAsync(read.unary(method, {}), {message: /PERMISSION_DENIED.*read socket/}, method);
  const admin = await serve('admin', store);
  t.teardown(admin.close);
  await t.throwsAsync(admin.unary('Create', {}), {message: /PERMISSION_DENIED/});
  await t.throwsAsync(
    admin.unary('Update', {new_resource: {metadata: {namespace: 'node', type: 'SysctlStatuses.cosi.dev', id: 'a'}}}),
    {message: /PERMISSION_DENIED/},
  );
  await t.throwsAsync(
    admin.unary('Update', {
      new_resource: {metadata: {namespace: 'config', type: 'NodeConfigs.cosi.dev', id: 'current', version: '9'}},
    }),
    {message: /FAILED_PRECONDITION/},
  );
});

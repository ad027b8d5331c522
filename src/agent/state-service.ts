import type * as GrpcJs from '@grpc/grpc-js';
import {matchesQuery} from './queries.js';
import type {KindEvent} from './resource-store.js';
import type {StoredResource} from './resource.js';
import {resolveType} from './resource-types.js';
import type {StateBackend} from './state-backend.js';
import {tombstone, toWireResource, type Wire} from './state-wire.js';
import {
  encodeBookmark,
  idQueryOf,
  labelQueries,
  parseWatchRequest,
  WatchRequestError,
  type WatchPlan,
} from './watch-request.js';

type Call = GrpcJs.ServerUnaryCall<Record<string, unknown>, Record<string, unknown>>;
type Callback = GrpcJs.sendUnaryData<Record<string, unknown>>;
type Stream = GrpcJs.ServerWritableStream<Record<string, unknown>, Record<string, unknown>>;

/** maxWatchBacklog is how many bytes a watch may have queued for a client that does not read. */
const maxWatchBacklog = 8 << 20;

/** Access is what a socket allows: `read` (Get, List, Watch) or `admin` (everything). */
export type Access = 'read' | 'admin';

/** StatusCode names the gRPC status codes the agent answers with. */
type StatusCode = keyof typeof GrpcJs.status;

/**
 * stateHandlers implements cosi.resource.State over the backend, for one socket's access. Reads are served from
 * the store (and, for a sysctl nobody declared, from the kernel); only the document may be updated, and only on the
 * admin socket. Create, Destroy and Teardown are refused: every other resource is what cosi observes.
 */
export function stateHandlers(wire: Wire, backend: StateBackend, access: Access): GrpcJs.UntypedServiceImplementation {
  const fail = (code: StatusCode, details: string, metadata?: GrpcJs.Metadata) =>
    Object.assign(new Error(details), {code: wire.grpc.status[code], details, ...(metadata ? {metadata} : {})});
  const refuseWrite = (callback: Callback, what: string) =>
    callback(
      fail(
        'PERMISSION_DENIED',
        access === 'read'
          ? `${what}: the read socket serves Get, List and Watch only; use the admin socket`
          : `${what}: only config/NodeConfigs.cosi.dev/current can be changed; every other resource is what cosi observes`,
      ),
    );
  return {
    Get: (call: Call, callback: Callback) => {
      void get(call.request).then(
        (resource) => callback(null, {resource: toWireResource(resource)}),
        (cause: unknown) => callback(cause as Error),
      );
    },
    List: (stream: Stream) => {
      try {
        const {namespace, type, options} = stream.request as {
          namespace: string;
          type: string;
          options?: Record<string, unknown>;
        };
        known(namespace, type);
        const query = {labels: labelQueries(options?.['label_query']), ...idQueryOf(options)};
        for (const r of backend.store.list(namespace, type))
          if (matchesQuery(query, r.id, r.labels)) stream.write({resource: toWireResource(r)});
        stream.end();
      } catch (cause) {
        stream.emit('error', cause instanceof WatchRequestError ? fail(cause.code, cause.message) : (cause as Error));
      }
    },
    Watch: (stream: Stream) => watch(stream),
    Update: (call: Call, callback: Callback) => {
      if (access === 'read') return refuseWrite(callback, 'Update');
      void update(call.request).then(
        (resource) => callback(null, {resource: toWireResource(resource)}),
        (cause: unknown) => callback(cause as Error),
      );
    },
    Create: (_call: Call, callback: Callback) => refuseWrite(callback, 'Create'),
    Destroy: (_call: Call, callback: Callback) => refuseWrite(callback, 'Destroy'),
    Teardown: (_call: Call, callback: Callback) => refuseWrite(callback, 'Teardown'),
    TeardownAndDestroy: (_call: Call, callback: Callback) => refuseWrite(callback, 'TeardownAndDestroy'),
  };

  function known(namespace: string, type: string): void {
    const definition = resolveType(type);
    if (!definition || definition.type !== type)
      throw fail(
        'NOT_FOUND',
        `resource type ${JSON.stringify(type)} is not served by cosi (see meta/ResourceDefinitions.meta.cosi.dev)`,
      );
    if (definition.namespace !== namespace)
      throw fail(
        'NOT_FOUND',
        `resource type ${type} is in namespace ${JSON.stringify(definition.namespace)}, not ${JSON.stringify(namespace)}`,
      );
  }

  async function get(request: Record<string, unknown>): Promise<StoredResource> {
    const [namespace, type, id] = [String(request['namespace']), String(request['type']), String(request['id'])];
    known(namespace, type);
    const found = backend.store.get(namespace, type, id);
    if (found) return found;
    const read = type === 'SysctlStatuses.cosi.dev' ? await backend.readSysctl(id) : undefined;
    if (read) return read;
    throw fail('NOT_FOUND', `resource ${namespace}/${type}/${id} not found`);
  }

  async function update(request: Record<string, unknown>): Promise<StoredResource> {
    const resource = (request['new_resource'] ?? {}) as {
      metadata?: Record<string, unknown>;
      spec?: Record<string, unknown>;
    };
    const metadata = resource.metadata ?? {};
    const [namespace, type, id] = [String(metadata['namespace']), String(metadata['type']), String(metadata['id'])];
    if (namespace !== 'config' || type !== 'NodeConfigs.cosi.dev' || id !== 'current')
      throw fail(
        'PERMISSION_DENIED',
        `Update of ${namespace}/${type}/${id}: only config/NodeConfigs.cosi.dev/current can be changed`,
      );
    const text = String(resource.spec?.['yaml_spec'] ?? '');
    const outcome = await backend.updateConfig(text, String(metadata['version'] ?? ''));
    if (outcome.ok) return outcome.resource;
    switch (outcome.reason) {
      case 'invalid': {
        const trailer = new wire.grpc.Metadata();
        trailer.set('cosi-diagnostics-bin', Buffer.from(JSON.stringify(outcome.diagnostics)));
        throw fail('INVALID_ARGUMENT', outcome.message, trailer);
      }
      case 'conflict':
      case 'unwritable':
        throw fail('FAILED_PRECONDITION', outcome.message);
    }
  }

  function watch(stream: Stream): void {
    let plan: WatchPlan;
    try {
      plan = parseWatchRequest(stream.request);
      known(plan.namespace, plan.type);
    } catch (cause) {
      stream.emit('error', cause instanceof WatchRequestError ? fail(cause.code, cause.message) : (cause as Error));
      return;
    }
    const wanted = (r: StoredResource) =>
      plan.id !== undefined ? r.id === plan.id : matchesQuery(plan.query, r.id, r.labels);
    const event = (e: KindEvent) => ({
      resource: toWireResource(e.resource),
      ...(e.old && e.type === 'UPDATED' ? {old: toWireResource(e.old)} : {}),
      event_type: e.type,
      bookmark: encodeBookmark(e.position),
    });
    const send = (events: Record<string, unknown>[]) => {
      if (events.length === 0 || stream.destroyed) return;
      // A client that does not read must not grow the agent: past the limit its watch ends.
      if (stream.writableLength > maxWatchBacklog) {
        unsubscribe();
        stream.emit('error', fail('RESOURCE_EXHAUSTED', 'the watch fell too far behind; watch again'));
        return;
      }
      stream.write({event: events});
    };
    const sendEach = (events: Record<string, unknown>[]) => {
      if (plan.aggregated) send(events);
      else for (const e of events) send([e]);
    };
    const {history, position, unsubscribe} = backend.store.subscribe(plan.namespace, plan.type, (e) => {
      if (wanted(e.resource)) sendEach([event(e)]);
    });
    const end = () => unsubscribe();
    stream.on('cancelled', end).on('close', end).on('error', end);
    // An empty response says the watch is set up (cosi-project/runtime's server does the same).
    stream.write({event: []});
    const initial: Record<string, unknown>[] = [];
    if (plan.tail > 0) {
      initial.push(
        ...history
          .filter((e) => wanted(e.resource))
          .slice(-plan.tail)
          .map(event),
      );
    } else if (plan.fromPosition !== undefined) {
      initial.push(...history.filter((e) => e.position > plan.fromPosition! && wanted(e.resource)).map(event));
    } else if (plan.id !== undefined) {
      const current = backend.store.get(plan.namespace, plan.type, plan.id);
      initial.push(
        current
          ? {resource: toWireResource(current), event_type: 'CREATED'}
          : {resource: tombstone(plan.namespace, plan.type, plan.id), event_type: 'DESTROYED'},
      );
    } else if (plan.bootstrap) {
      for (const r of backend.store.list(plan.namespace, plan.type))
        if (wanted(r)) initial.push({resource: toWireResource(r), event_type: 'CREATED'});
      if (plan.apiVersion >= 1)
        initial.push({
          resource: tombstone(plan.namespace, plan.type, ''),
          event_type: 'BOOTSTRAPPED',
          bookmark: encodeBookmark(position),
        });
    }
    if (plan.bootstrapBookmark)
      initial.push({
        resource: tombstone(plan.namespace, plan.type, ''),
        event_type: 'NOOP',
        bookmark: encodeBookmark(position),
      });
    sendEach(initial);
  }
}

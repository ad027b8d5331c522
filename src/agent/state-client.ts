import type * as GrpcJs from '@grpc/grpc-js';
import {OperationalError, UserError} from '../diag/cosi-error.js';
import {error} from '../diag/diagnostic.js';
import {resolveType, typeDefinitions, type TypeDefinition} from './resource-types.js';
import {loadWire, type Wire} from './state-wire.js';

/** WireResource is a cosi.resource.Resource as protobufjs decodes it. */
export interface WireResource {
  readonly metadata: Record<string, unknown>;
  readonly spec: {readonly yaml_spec: string; readonly proto_spec: Buffer};
}

/** StateClient talks to an agent's socket: Get, List and Watch, what `cosi get` and `cosi watch` need. */
export class StateClient {
  readonly #wire: Wire;
  readonly #client: GrpcJs.Client;
  readonly #methods: Record<string, (...args: unknown[]) => unknown>;

  constructor(readonly socket: string) {
    this.#wire = loadWire();
    const Client = this.#wire.grpc.makeGenericClientConstructor(this.#wire.service, 'State');
    this.#client = new Client(`unix:${socket}`, this.#wire.grpc.credentials.createInsecure());
    // The generic client's methods, by name (makeGenericClientConstructor types them only loosely).
    this.#methods = this.#client as unknown as Record<string, (...args: unknown[]) => unknown>;
  }

  /** get reads one resource. */
  get(definition: TypeDefinition, id: string): Promise<WireResource> {
    return new Promise((resolve, reject) => {
      this.#methods['Get']!.call(
        this.#client,
        {namespace: definition.namespace, type: definition.type, id},
        {deadline: Date.now() + 10_000},
        (cause: GrpcJs.ServiceError | null, response: {resource: WireResource}) =>
          cause ? reject(this.#failure(cause)) : resolve(response.resource),
      );
    });
  }

  /** list reads every resource of a type. */
  list(definition: TypeDefinition): Promise<WireResource[]> {
    return new Promise((resolve, reject) => {
      const items: WireResource[] = [];
      const call = this.#methods['List']!.call(
        this.#client,
        {namespace: definition.namespace, type: definition.type},
        {deadline: Date.now() + 30_000},
      ) as GrpcJs.ClientReadableStream<{resource: WireResource}>;
      call.on('data', (r) => items.push(r.resource));
      call.on('error', (cause: GrpcJs.ServiceError) => reject(this.#failure(cause)));
      call.on('end', () => resolve(items));
    });
  }

  /** watch follows a type (bootstrapped with its current resources); resolves when the stream ends. */
  watch(definition: TypeDefinition, onEvent: (type: string, resource: WireResource) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const call = this.#methods['Watch']!.call(this.#client, {
        namespace: definition.namespace,
        type: definition.type,
        options: {bootstrap_contents: true},
        api_version: 1,
      }) as GrpcJs.ClientReadableStream<{event: Array<{event_type: string; resource: WireResource}>}>;
      call.on('data', (r) => {
        for (const e of r.event) onEvent(e.event_type, e.resource);
      });
      call.on('error', (cause: GrpcJs.ServiceError) => reject(this.#failure(cause)));
      call.on('end', () => resolve());
    });
  }

  /** close closes the channel. */
  close(): void {
    this.#client.close();
  }

  #failure(cause: GrpcJs.ServiceError): Error {
    const status = this.#wire.grpc.status;
    if (cause.code === status.UNAVAILABLE)
      return new OperationalError(
        `no cosi agent answers on ${this.socket} (${cause.details}); is cosi-agent.service running, and may you use the socket?`,
      );
    return new OperationalError(`${status[cause.code] ?? cause.code}: ${cause.details}`);
  }
}

/** typeOf resolves a type name or alias, or is a usage error naming the known ones. */
export function typeOf(name: string | undefined): TypeDefinition {
  const found = name === undefined ? undefined : resolveType(name);
  if (!found)
    throw new UserError([
      error(
        `${name === undefined ? 'expected a resource type' : `unknown resource type ${JSON.stringify(name)}`}; known: ${typeDefinitions.map((d) => d.aliases[1] ?? d.aliases[0]).join(', ')}`,
      ),
    ]);
  return found;
}

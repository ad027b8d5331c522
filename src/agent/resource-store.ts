import {isDeepStrictEqual} from 'node:util';
import type {ResourceEvent} from './resource-event.js';
import {kindKey, resourceKey, type ResourceBody, type StoredResource} from './resource.js';

/** KindEvent is a resource event with its position in the store's history of its kind (for tails and bookmarks). */
export interface KindEvent extends ResourceEvent {
  readonly position: number;
}

/** Listener hears every event of one kind, in order. */
export type Listener = (event: KindEvent) => void;

/** tailCapacity is how many past events of each kind the store keeps for `tail_events` and bookmarks. */
export const tailCapacity = 256;

interface Collection {
  readonly items: Map<string, StoredResource>;
  readonly history: KindEvent[];
  readonly listeners: Set<Listener>;
  position: number;
}

/**
 * ResourceStore holds the resources the agent serves and gives each a version that increases on every change of its
 * spec or labels (a body equal to the stored one changes nothing). Writers replace a whole kind at once (what a probe
 * observed of it); every difference becomes an event, heard synchronously by the kind's listeners and kept in a short
 * history. Resources read on demand (a sysctl nobody declared) are versioned too, but neither listed nor watched.
 */
export class ResourceStore {
  readonly #collections = new Map<string, Collection>();
  readonly #onDemand = new Map<string, StoredResource>();
  readonly #now: () => Date;

  constructor(now: () => Date = () => new Date()) {
    this.#now = now;
  }

  /** replaceKind makes the kind's resources exactly `bodies` (all of one namespace and type); returns the events. */
  replaceKind(namespace: string, type: string, bodies: readonly ResourceBody[]): KindEvent[] {
    const collection = this.#collection(namespace, type);
    const events: KindEvent[] = [];
    const seen = new Set<string>();
    for (const body of bodies) {
      seen.add(body.id);
      const old = collection.items.get(body.id);
      const next = this.#versioned(body, old);
      if (next === old) continue;
      collection.items.set(body.id, next);
      events.push(
        this.#record(collection, old ? {type: 'UPDATED', resource: next, old} : {type: 'CREATED', resource: next}),
      );
    }
    for (const [id, old] of [...collection.items]) {
      if (seen.has(id)) continue;
      collection.items.delete(id);
      events.push(this.#record(collection, {type: 'DESTROYED', resource: old, old}));
    }
    return events;
  }

  /** get returns one listed resource. */
  get(namespace: string, type: string, id: string): StoredResource | undefined {
    return this.#collections.get(kindKey(namespace, type))?.items.get(id);
  }

  /** list returns the kind's listed resources, by id. */
  list(namespace: string, type: string): StoredResource[] {
    const items = [...(this.#collections.get(kindKey(namespace, type))?.items.values() ?? [])];
    return items.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** observed versions a resource read on demand (not listed): the same body keeps its version. */
  observed(body: ResourceBody): StoredResource {
    const key = resourceKey(body.namespace, body.type, body.id);
    const next = this.#versioned(body, this.#onDemand.get(key));
    // Bounded: on-demand reads are by id, and a client asking for every key the kernel has must not grow the agent.
    if (this.#onDemand.size >= 4096 && !this.#onDemand.has(key)) this.#onDemand.clear();
    this.#onDemand.set(key, next);
    return next;
  }

  /**
   * subscribe adds a listener to a kind and returns the kind's history from `from` (a position; undefined: none),
   * and the function that ends the subscription. Synchronous, so that no event falls between the two.
   */
  subscribe(
    namespace: string,
    type: string,
    listener: Listener,
  ): {history: readonly KindEvent[]; position: number; unsubscribe: () => void} {
    const collection = this.#collection(namespace, type);
    collection.listeners.add(listener);
    return {
      history: [...collection.history],
      position: collection.position,
      unsubscribe: () => collection.listeners.delete(listener),
    };
  }

  /** listenerCount is the number of watches open (for metrics and leak checks). */
  listenerCount(): number {
    let n = 0;
    for (const c of this.#collections.values()) n += c.listeners.size;
    return n;
  }

  #collection(namespace: string, type: string): Collection {
    const key = kindKey(namespace, type);
    let collection = this.#collections.get(key);
    if (!collection) {
      collection = {items: new Map(), history: [], listeners: new Set(), position: 0};
      this.#collections.set(key, collection);
    }
    return collection;
  }

  #versioned(body: ResourceBody, old: StoredResource | undefined): StoredResource {
    if (old && sameBody(old, body)) return old;
    const now = this.#now();
    return {...body, version: (old?.version ?? 0) + 1, created: old?.created ?? now, updated: now};
  }

  #record(collection: Collection, event: ResourceEvent): KindEvent {
    collection.position++;
    const recorded = {...event, position: collection.position};
    collection.history.push(recorded);
    if (collection.history.length > tailCapacity) collection.history.shift();
    for (const listener of [...collection.listeners]) listener(recorded);
    return recorded;
  }
}

function sameBody(a: ResourceBody, b: ResourceBody): boolean {
  return (
    isDeepStrictEqual(a.labels, b.labels) &&
    isDeepStrictEqual(a.spec, b.spec) &&
    a.yamlText === b.yamlText &&
    (a.protoSpec === undefined) === (b.protoSpec === undefined) &&
    (a.protoSpec === undefined || Buffer.compare(Buffer.from(a.protoSpec), Buffer.from(b.protoSpec!)) === 0)
  );
}

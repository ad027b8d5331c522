import type {StoredResource} from './resource.js';

/** EventType is the specification's event type (state.proto's EventType). */
export type EventType = 'CREATED' | 'UPDATED' | 'DESTROYED' | 'BOOTSTRAPPED' | 'ERRORED' | 'NOOP';

/** ResourceEvent is one observed change of a resource: `old` is what it was before an update or a destruction. */
export interface ResourceEvent {
  readonly type: Extract<EventType, 'CREATED' | 'UPDATED' | 'DESTROYED'>;
  readonly resource: StoredResource;
  readonly old?: StoredResource;
}

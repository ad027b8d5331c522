import type {Diagnostic} from '../diag/diagnostic.js';
import type {ResourceStore} from './resource-store.js';
import type {StoredResource} from './resource.js';

/** ConfigUpdate is how an Update of the document ended. */
export type ConfigUpdate =
  | {readonly ok: true; readonly resource: StoredResource}
  | {
      readonly ok: false;
      readonly reason: 'invalid';
      readonly message: string;
      readonly diagnostics: readonly Diagnostic[];
    }
  | {readonly ok: false; readonly reason: 'conflict' | 'unwritable'; readonly message: string};

/** StateBackend is what the State service serves from: the store, on-demand reads, and the document's Update. */
export interface StateBackend {
  readonly store: ResourceStore;
  /** readSysctl reads one kernel parameter the agent does not list (Get of any key the kernel has). */
  readSysctl(id: string): Promise<StoredResource | undefined>;
  /** updateConfig validates, stores and reconciles a new document whose current version is `version`. */
  updateConfig(text: string, version: string): Promise<ConfigUpdate>;
}

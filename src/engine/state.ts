import type {Host} from '../host/host.js';
import {OperationalError} from '../diag/cosi-error.js';
import validateState from '../config/generated/validate-state.js';
import {crashPoint} from '../host/crash-point.js';

/** stateFile is where cosi remembers what it manages, on the node. */
export const stateFile = '/var/lib/cosi/state.json';

/**
 * ManagedRecord is what cosi remembers about one resource it changed: the value it found before its first write
 * (`original`; removing the resource from the document restores it), and the value it last applied
 * (`applied`; a difference from the document means the document changed, a difference from the node means the
 * node drifted).
 */
export interface ManagedRecord {
  readonly original: unknown;
  readonly applied: unknown;
  readonly since: string;
  readonly updated: string;
  /**
   * The digest of the `after` of the change cosi last carried out for this resource: what the document wanted then.
   * Written by the engine for every kind (`driftCause` compares it with what the document wants now).
   */
  readonly wanted?: string;
}

/** CosiState is cosi's memory on the node. */
export interface CosiState {
  readonly version: 1;
  readonly resources: Readonly<Record<string, ManagedRecord>>;
  readonly lastApply?: {readonly at: string; readonly ok: boolean};
}

/** emptyState is the state of a node cosi has never changed. */
export const emptyState: CosiState = {version: 1, resources: {}};

/**
 * loadState reads cosi's state; a missing file is the empty state, one that is not JSON or does not match
 * schemas/state.schema.json (wrong types, unknown fields) an OperationalError naming the file and the first problem.
 */
export async function loadState(host: Host): Promise<CosiState> {
  const text = await host.readText(stateFile);
  if (text === undefined) return emptyState;
  let state: unknown;
  try {
    state = JSON.parse(text);
  } catch (cause) {
    throw new OperationalError(
      `cosi's state file ${stateFile} is not JSON (${(cause as Error).message}); it holds the values cosi restores: repair it from a backup, or move it aside to start over (cosi then forgets what it found)`,
    );
  }
  if (!validateState(state)) {
    const [first] = validateState.errors ?? [];
    const where = first
      ? `${first.instancePath || '(top)'} ${first.message ?? ''}`.trim()
      : 'does not match its schema';
    throw new OperationalError(
      `cosi's state file ${stateFile} is not cosi's state (${where}); it holds the values cosi restores: repair it from a backup, or move it aside to start over (cosi then forgets what it found)`,
    );
  }
  return state as CosiState;
}

/**
 * saveState writes cosi's state atomically, only when it changed. A crash point follows each write that happens
 * (an unchanged state, e.g. after a unit restart, leaves nothing on disk to be torn).
 */
export async function saveState(host: Host, state: CosiState): Promise<void> {
  if (await host.writeAtomic(stateFile, JSON.stringify(state, null, 2) + '\n', {mode: 0o600})) crashPoint('state');
}

/**
 * firstWriteUnrecorded tells whether record is the one the engine saves before cosi's first change of a resource
 * (the original kept, `applied` still null) and that change never completed: a kill came before or after the write,
 * so the next plan must still keep the backup and record what the node holds. Pure.
 */
export function firstWriteUnrecorded(record: {readonly applied: unknown} | undefined): boolean {
  return record !== undefined && record.applied === null;
}

/**
 * appliedRecord is the record a provider's apply returns for a resource it changed: the original of an earlier record
 * is kept (a null original, "there was none", included), else `original` is taken; `applied` is the change's `after`
 * unless given; `since` is kept, `updated` is now. The one spelling of this rule (it was written out in every
 * provider, in two forms that differed on a null original). `keepOriginal: false` lets the provider's own original
 * win over an earlier one (a record the plan merged, a profile moved to another seccomp root).
 */
export function appliedRecord(request: {
  state: CosiState;
  change: {readonly address: string; readonly after: unknown};
  original: unknown;
  applied?: unknown;
  keepOriginal?: boolean;
}): ManagedRecord {
  const previous = request.state.resources[request.change.address];
  const now = new Date().toISOString();
  const original = previous && request.keepOriginal !== false ? previous.original : request.original;
  return {
    original,
    applied: 'applied' in request ? request.applied : request.change.after,
    since: previous?.since ?? now,
    updated: now,
  };
}

/** withRecord returns the state with one address's record set or removed. Pure. */
export function withRecord(state: CosiState, address: string, record: ManagedRecord | undefined): CosiState {
  const resources = {...state.resources};
  if (record) resources[address] = record;
  else delete resources[address];
  return {...state, resources};
}

/** managedOfKind lists the addresses of one kind that cosi manages, with their records. */
export function managedOfKind(state: CosiState, kind: string): Array<[string, ManagedRecord]> {
  return Object.entries(state.resources).filter(([address]) => address.startsWith(`${kind}.`));
}

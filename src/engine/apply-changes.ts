import type {Host} from '../host/host.js';
import type {Change} from '../plan/change.js';
import {digest} from './digest.js';
import {owedByInterrupted} from './interrupted-work.js';
import {Journal} from './journal.js';
import {journalRecords} from './owed-work.js';
import {markRebootRequired} from './reboot-required.js';
import type {Provider} from './provider.js';
import {saveState, withRecord, type CosiState} from './state.js';

/** ApplyListener hears about each change as it is carried out (the CLI prints a line per event). */
export interface ApplyListener {
  onStart?(change: Change): void;
  onComplete?(change: Change, elapsedMs: number): void;
  onError?(change: Change, message: string): void;
}

/** StopSignal is set (to the signal's name) when the apply must stop before its next change (SIGTERM, SIGINT). */
export interface StopSignal {
  requested?: string;
}

/** ApplyResult is how an apply ended: the changes done, the failed one if any, and cosi's new state. */
export interface ApplyResult {
  readonly applied: readonly Change[];
  /** The change that failed; `partial` when it had already written to the node or run a command (a live sysctl written, its file not). */
  readonly failed?: {readonly change: Change; readonly message: string; readonly partial: boolean};
  readonly state: CosiState;
  /** Changes done but completed later by someone else (see ApplyOutcome.queued), by address. */
  readonly queued?: ReadonlyMap<string, string>;
  /** The signal that stopped the apply between two changes; the journal is kept, so the next apply resumes. */
  readonly stopped?: string;
}

/**
 * applyChanges is the only place cosi changes the node: it carries out the changes in order, journaling each
 * before and after, saving cosi's state after each so that no original value is ever lost, and stops at the first
 * failure. With `stop` requested it stops before the next change and keeps the journal. When a change carried out
 * owes a reboot, the reboot-required file is written (SPEC §5). The caller holds the lock.
 */
export async function applyChanges(request: {
  host: Host;
  changes: readonly Change[];
  state: CosiState;
  providers: readonly Provider[];
  listener?: ApplyListener;
  stop?: StopSignal;
}): Promise<ApplyResult> {
  const {host, changes, providers, listener, stop} = request;
  let state = request.state;
  const journal = new Journal(host);
  const byKind = new Map(providers.map((p) => [p.kind, p]));
  const applied: Change[] = [];
  const queued = new Map<string, string>();
  const restarts = journalRecords(changes);
  await journal.record({
    event: 'begin',
    at: new Date().toISOString(),
    pid: process.pid,
    changes: changes.map((c) => c.address),
    ...(restarts.length > 0 ? {restarts} : {}),
  });
  for (const change of changes) {
    if (stop?.requested) {
      // Between two changes: nothing is half done. The journal stays, so the next apply reports it and goes on.
      await journal.record({event: 'stopped', at: new Date().toISOString(), signal: stop.requested});
      return {applied, state, queued, stopped: stop.requested};
    }
    const provider = byKind.get(change.kind);
    const started = Date.now();
    const touched = host.stats.writes + host.stats.spawned;
    listener?.onStart?.(change);
    await journal.record({event: 'start', at: new Date().toISOString(), address: change.address});
    try {
      if (!provider) throw new Error(`no provider for ${change.kind} in this version of cosi`);
      if (change.original !== undefined && !state.resources[change.address]) {
        // Remember what cosi found before touching it: after a crash, the node may already hold the new value.
        const now = new Date().toISOString();
        state = withRecord(state, change.address, {original: change.original, applied: null, since: now, updated: now});
        await saveState(host, state);
      }
      const outcome = await provider.apply({host, change, state});
      // What the document wanted, in the change's own terms, for drift to tell a node change from a document change.
      state = withRecord(
        state,
        change.address,
        'record' in outcome ? {...outcome.record, wanted: digest(change.after ?? null)} : undefined,
      );
      if (outcome.queued) queued.set(change.address, outcome.queued);
      await saveState(host, state);
    } catch (cause) {
      const message = (cause as Error).message;
      await journal.record({event: 'failed', at: new Date().toISOString(), address: change.address, message});
      listener?.onError?.(change, message);
      state = {...state, lastApply: {at: new Date().toISOString(), ok: false}};
      await saveState(host, state);
      // Work (restarts) owed by changes already made would be lost with the journal: keep it, and the next run (which
      // reports the unfinished apply) plans them again. Otherwise the journal is history.
      if (owedByInterrupted(journal.recorded()).length === 0) await journal.finish();
      // The failure is what this apply reports; a reboot owed by the changes made before it is said if it can be.
      await markRebootRequired(host, applied).catch(() => undefined);
      return {
        applied,
        failed: {change, message, partial: host.stats.writes + host.stats.spawned > touched},
        state,
        queued,
      };
    }
    await journal.record({event: 'done', at: new Date().toISOString(), address: change.address});
    applied.push(change);
    listener?.onComplete?.(change, Date.now() - started);
  }
  state = {...state, lastApply: {at: new Date().toISOString(), ok: true}};
  await saveState(host, state);
  await journal.finish();
  await markRebootRequired(host, applied);
  return {applied, state, queued};
}

import type {JournalEntry} from './journal.js';
import {serviceAddress, type OwedRestart} from './owed-restarts.js';

/**
 * restartsOwedByInterrupted reads the journal of an interrupted apply (`readInterrupted`) for the restarts it owed
 * and never carried out: those its begin entry lists whose `service.<unit>` change is not `done`, and whose causes
 * had started (any of them may already be on the node) or which that apply had itself taken over from an earlier
 * interrupted one. Each comes back with `interrupted` set to when it was first owed, for the next plan
 * (`addOwedRestarts`). A restart whose causes never started is not owed: the next plan finds its causes again.
 * Pure.
 */
export function restartsOwedByInterrupted(entries: readonly JournalEntry[]): OwedRestart[] {
  const begin = entries.find((e) => e.event === 'begin');
  if (begin?.event !== 'begin') return [];
  const started = new Set(entries.flatMap((e) => (e.event === 'start' ? [e.address] : [])));
  const done = new Set(entries.flatMap((e) => (e.event === 'done' ? [e.address] : [])));
  return (begin.restarts ?? [])
    .filter(
      (r) => !done.has(serviceAddress(r.unit)) && (r.interrupted !== undefined || r.causes.some((c) => started.has(c))),
    )
    .map((r) => ({unit: r.unit, causes: r.causes, interrupted: r.interrupted ?? begin.at}));
}

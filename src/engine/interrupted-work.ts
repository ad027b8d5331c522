import type {OwedRecord} from '../plan/owed-work.js';
import type {JournalEntry} from './journal.js';
import type {OwedWorkProvider} from './owed-work.js';

/**
 * owedByInterrupted reads the journal of an interrupted apply (`readInterrupted`) for the owed work it listed and
 * never carried out: the records its begin entry lists whose carrying change is not `done`, and whose causes had
 * started (any of them may already be on the node) or which that apply had itself taken over from an earlier
 * interrupted one. Each comes back with `interrupted` set to when it was first owed, for the next plan
 * (`addOwedWork`). Work whose causes never started is not owed: the next plan finds its causes again. The carrying
 * change is the record's `address`, or, in a journal that did not record it, what a performing provider says. Pure.
 */
export function owedByInterrupted(
  entries: readonly JournalEntry[],
  providers: readonly OwedWorkProvider[] = [],
): OwedRecord[] {
  const begin = entries.find((e) => e.event === 'begin');
  if (begin?.event !== 'begin') return [];
  const started = new Set(entries.flatMap((e) => (e.event === 'start' ? [e.address] : [])));
  const done = new Set(entries.flatMap((e) => (e.event === 'done' ? [e.address] : [])));
  const addressOf = (record: OwedRecord): string | undefined =>
    record.address ?? providers.map((p) => p.performs?.journaled(record)?.address).find((a) => a !== undefined);
  return (begin.restarts ?? [])
    .filter((r) => {
      const address = addressOf(r);
      return (
        (address === undefined || !done.has(address)) &&
        (r.interrupted !== undefined || r.causes.some((c) => started.has(c)))
      );
    })
    .map((r) => ({...r, interrupted: r.interrupted ?? begin.at}));
}

/** owedTargets names the targets of owed records, as their performing providers call them (for messages). Pure. */
export function owedTargetNames(records: readonly OwedRecord[], providers: readonly OwedWorkProvider[]): string[] {
  return records.flatMap((r) => {
    const target = providers.map((p) => p.performs?.journaled(r)?.target).find((t) => t !== undefined);
    return target === undefined ? [] : [target];
  });
}

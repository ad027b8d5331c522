import {addOwedWork} from '../../src/engine/owed-work.js';
import {owedByInterrupted} from '../../src/engine/interrupted-work.js';
import type {JournalEntry} from '../../src/engine/journal.js';
import type {Change} from '../../src/plan/change.js';
import {restartPerformer, type OwedRestart} from '../../src/resources/service/owed-restarts.js';
import {serviceProvider} from '../../src/resources/service/provider.js';

// The engine's owed-work steps with the service provider as the only performer (every other change owes what its
// disruption says), for the restart suites.

/** owedRestartOf returns the restart a planned change carries (put there by `planOwedRestarts`), if any. */
export function owedRestartOf(change: Change): OwedRestart | undefined {
  if (change.kind !== 'service') return undefined;
  return (change.data as {restart?: OwedRestart} | undefined)?.restart;
}

/** addOwedRestarts: the restarts a plan owes, and those an interrupted apply still owed, become service changes. */
export function addOwedRestarts(changes: readonly Change[], interrupted: readonly OwedRestart[] = []): Change[] {
  return addOwedWork({changes, providers: [serviceProvider], interrupted});
}

/** restartsOwedByInterrupted is `owedByInterrupted` for restarts: the units an interrupted apply still owed. */
export function restartsOwedByInterrupted(entries: readonly JournalEntry[]): OwedRestart[] {
  return owedByInterrupted(entries, [serviceProvider]).flatMap((r) => {
    const found = restartPerformer.journaled(r);
    return found ? [{unit: found.target, causes: r.causes, interrupted: r.interrupted!}] : [];
  });
}

import type {Host} from '../host/host.js';
import {crashPoint} from './crash-point.js';
import type {OwedRestart} from './owed-restarts.js';

/** journalFile records the apply in progress; it is removed when an apply ends, so its presence means a crash. */
export const journalFile = '/var/lib/cosi/journal.jsonl';

/**
 * JournalEntry is one line of the journal. `begin` lists the changes and the restarts they owe (each carried out
 * by its `service.<unit>` change), so that a restart whose causes were carried out is not lost to a crash.
 */
export type JournalEntry =
  | {readonly event: 'begin'; readonly at: string; readonly pid: number; readonly changes: readonly string[]; readonly restarts?: readonly OwedRestart[]}
  | {readonly event: 'start' | 'done'; readonly at: string; readonly address: string}
  | {readonly event: 'failed'; readonly at: string; readonly address: string; readonly message: string};

/**
 * Journal appends entries to the journal file, each write synced, so that after a crash the next run can tell
 * which change was under way.
 */
export class Journal {
  private readonly host: Host;
  private entries: JournalEntry[] = [];

  constructor(host: Host) {
    this.host = host;
  }

  /** record appends one entry durably. */
  async record(entry: JournalEntry): Promise<void> {
    this.entries.push(entry);
    await this.host.writeAtomic(journalFile, this.entries.map((e) => JSON.stringify(e)).join('\n') + '\n', {mode: 0o600});
    crashPoint();
  }

  /** recorded returns the entries written so far. */
  recorded(): readonly JournalEntry[] {
    return this.entries;
  }

  /** finish removes the journal: the apply ended (successfully or with a reported failure). */
  async finish(): Promise<void> {
    await this.host.remove(journalFile);
  }
}

/** readInterrupted returns the journal of an apply that never finished (a crash), if there is one. */
export async function readInterrupted(host: Host): Promise<JournalEntry[] | undefined> {
  const text = await host.readText(journalFile);
  if (text === undefined) return undefined;
  return text.split('\n').filter(Boolean).flatMap((line) => {
    try {
      return [JSON.parse(line) as JournalEntry];
    } catch {
      return [];
    }
  });
}

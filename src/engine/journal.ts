import {OperationalError} from '../diag/cosi-error.js';
import type {Host} from '../host/host.js';
import {crashPoint} from '../host/crash-point.js';
import type {OwedRecord} from '../plan/owed-work.js';

/** journalFile records the apply in progress; it is removed when an apply ends, so its presence means a crash. */
export const journalFile = '/var/lib/cosi/journal.jsonl';

/**
 * JournalEntry is one line of the journal. `begin` lists the changes and, under `restarts` (the name it had when
 * restarts were the only owed work), the owed work they carry out, so that work whose causes were carried out is not
 * lost to a crash.
 */
export type JournalEntry =
  | {
      readonly event: 'begin';
      readonly at: string;
      readonly pid: number;
      readonly changes: readonly string[];
      readonly restarts?: readonly OwedRecord[];
    }
  | {readonly event: 'start' | 'done'; readonly at: string; readonly address: string}
  | {readonly event: 'failed'; readonly at: string; readonly address: string; readonly message: string}
  | {readonly event: 'stopped'; readonly at: string; readonly signal: string};

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
    await this.host.writeAtomic(journalFile, this.entries.map((e) => JSON.stringify(e)).join('\n') + '\n', {
      mode: 0o600,
    });
    crashPoint('journal');
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

/**
 * readInterrupted returns the journal of an apply that never finished (a crash, a kill, a stop), if there is one. The
 * journal is written whole each time (atomically), so a line that is not a journal entry was not written by cosi: an
 * OperationalError names the file and the line rather than planning from a journal cosi cannot trust.
 */
export async function readInterrupted(host: Host): Promise<JournalEntry[] | undefined> {
  const text = await host.readText(journalFile);
  if (text === undefined) return undefined;
  return text
    .split('\n')
    .filter(Boolean)
    .map((line, i) => {
      let entry: unknown;
      try {
        entry = JSON.parse(line);
      } catch {
        entry = undefined;
      }
      const problem = entryProblem(entry);
      if (problem)
        throw new OperationalError(
          `cosi's journal ${journalFile} is damaged at line ${i + 1} (${problem}); it is not cosi's work: look at it, then remove it to go on`,
        );
      return entry as JournalEntry;
    });
}

function entryProblem(entry: unknown): string | undefined {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return 'not a JSON object';
  const e = entry as Record<string, unknown>;
  if (typeof e['at'] !== 'string') return 'no time';
  switch (e['event']) {
    case 'begin':
      if (
        typeof e['pid'] !== 'number' ||
        !Array.isArray(e['changes']) ||
        !e['changes'].every((c) => typeof c === 'string')
      )
        return 'a begin entry without its pid and changes';
      if (e['restarts'] !== undefined && !(Array.isArray(e['restarts']) && e['restarts'].every(isOwedRecord)))
        return 'owed restarts that are not records of owed work';
      return undefined;
    case 'start':
    case 'done':
      return typeof e['address'] === 'string' ? undefined : 'no address';
    case 'failed':
      return typeof e['address'] === 'string' && typeof e['message'] === 'string' ? undefined : 'no address or message';
    case 'stopped':
      return typeof e['signal'] === 'string' ? undefined : 'no signal';
    default:
      return `unknown event ${JSON.stringify(e['event'])}`;
  }
}

function isOwedRecord(r: unknown): boolean {
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return false;
  const {causes, interrupted, address} = r as Record<string, unknown>;
  return (
    Array.isArray(causes) &&
    causes.every((c) => typeof c === 'string') &&
    (interrupted === undefined || typeof interrupted === 'string') &&
    (address === undefined || typeof address === 'string')
  );
}

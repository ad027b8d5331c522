/**
 * CrashPoint names a place where a crash must be survivable: after a journal entry or a state save is written
 * (`journal`, `state`), and inside every atomic write, with the temporary file half written and not synced
 * (`write-partial`) or whole and synced, before its rename (`write-synced`).
 */
export type CrashPoint = 'journal' | 'state' | 'write-partial' | 'write-synced';

let reached = 0;

/**
 * crashPoint marks a point where a crash must be survivable. For fault-injection tests only: when
 * `COSI_TEST_CRASH_AT=N` is set, the Nth point reached kills the process with SIGKILL, as a power loss would;
 * `COSI_TEST_CRASH_POINTS=a,b` counts only the points of those names. Without the variables it does nothing.
 */
export function crashPoint(name: CrashPoint): void {
  const at = process.env['COSI_TEST_CRASH_AT'];
  if (at === undefined) return;
  const only = process.env['COSI_TEST_CRASH_POINTS'];
  if (only !== undefined && !only.split(',').includes(name)) return;
  reached++;
  if (String(reached) === at) process.kill(process.pid, 'SIGKILL');
}

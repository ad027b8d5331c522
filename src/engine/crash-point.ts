let reached = 0;

/**
 * crashPoint marks a point of an apply where a crash must be survivable (after each journal entry and each state
 * save that writes). For fault-injection tests only: when `COSI_TEST_CRASH_AT=N` is set, the Nth point kills the
 * process with SIGKILL, as a power loss would. Without the variable it does nothing.
 */
export function crashPoint(): void {
  const at = process.env.COSI_TEST_CRASH_AT;
  if (at === undefined) return;
  reached++;
  if (String(reached) === at) process.kill(process.pid, 'SIGKILL');
}

/**
 * Disruption is what a change costs the running node: `none`, `restart:<unit>` (a systemd unit must restart for
 * the change to take effect), or `reboot` (only a reboot completes it; cosi never reboots by itself).
 */
export type Disruption = 'none' | 'reboot' | `restart:${string}`;

/** restartDisruption builds the disruption of restarting `unit`. */
export function restartDisruption(unit: string): Disruption {
  return `restart:${unit}`;
}

/** restartedUnit returns the unit a disruption restarts, if any. */
export function restartedUnit(disruption: Disruption): string | undefined {
  return disruption.startsWith('restart:') ? disruption.slice('restart:'.length) : undefined;
}

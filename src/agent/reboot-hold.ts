import type {Change} from '../plan/change.js';

/**
 * holdForReboot splits a plan's changes into those the agent may apply and those it holds back: every change that
 * owes a reboot, and every change that depends (directly or not) on one held back. The agent never applies a
 * change that owes a reboot; it says that one is owed (the reboot-required file) for the node's reboot coordinator.
 */
export function holdForReboot(changes: readonly Change[]): {apply: Change[]; held: Change[]} {
  const held = new Set(changes.filter((c) => c.disruption === 'reboot').map((c) => c.address));
  for (let grew = held.size > 0; grew;) {
    grew = false;
    for (const c of changes)
      if (!held.has(c.address) && c.dependsOn.some((d) => held.has(d))) {
        held.add(c.address);
        grew = true;
      }
  }
  return {apply: changes.filter((c) => !held.has(c.address)), held: changes.filter((c) => held.has(c.address))};
}

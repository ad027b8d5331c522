import type {Host} from '../host/host.js';
import type {Change} from '../plan/change.js';

/** rebootRequiredFile is where Debian's tools (update-notifier, needrestart) and kured look for an owed reboot. */
export const rebootRequiredFile = '/var/run/reboot-required';

/** rebootRequiredPkgsFile lists, one a line, what asked for the reboot. */
export const rebootRequiredPkgsFile = '/var/run/reboot-required.pkgs';

/**
 * markRebootRequired writes the reboot-required file (and adds `cosi` to the `.pkgs` list, keeping what others
 * listed) when any of the changes carried out owes a reboot (SPEC §5). Writes go through the host, atomically, only
 * when the content differs. Returns whether a reboot is owed.
 */
export async function markRebootRequired(host: Host, applied: readonly Change[]): Promise<boolean> {
  if (!applied.some((c) => c.disruption === 'reboot')) return false;
  await host.writeAtomic(rebootRequiredFile, '*** System restart required ***\n', {mode: 0o644});
  const listed = (await host.readText(rebootRequiredPkgsFile)) ?? '';
  const lines = listed.split('\n').filter((l) => l !== '');
  if (!lines.includes('cosi'))
    await host.writeAtomic(rebootRequiredPkgsFile, [...lines, 'cosi'].join('\n') + '\n', {mode: 0o644});
  return true;
}

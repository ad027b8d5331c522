import {describeFailure} from '../../host/command.js';
import type {Host} from '../../host/host.js';
import type {PackageBackend} from './backend.js';
import type {Transaction} from './change-data.js';
import {servicesMapping} from './service-processes.js';

/**
 * restartAfterTransaction carries out the restarts a finished transaction owes that the plan did not foresee (the
 * plan's own owed restarts are `service.<unit>` changes that run next): those cosi's policy-rc.d held, and with
 * `restartServices: auto` the services whose processes still map a file of a package changed in place that the
 * transaction replaced (` (deleted)` in /proc/PID/maps). One `systemctl try-restart` for all (a unit that is not
 * running stays stopped); nothing when systemd does not run in the root. Returns the units restarted.
 */
export async function restartAfterTransaction(
  host: Host,
  backend: PackageBackend,
  transaction: Transaction,
): Promise<string[]> {
  const held = (await backend.takeHeldRestarts?.(host)) ?? [];
  if (!(await host.stat('/run/systemd/system'))?.isDirectory()) return [];
  const stale = transaction.restartServices === 'auto' ? await servicesOnReplacedFiles(host, backend, transaction) : [];
  const owed = new Set(transaction.owed ?? []);
  const units = [...new Set([...held, ...stale])].filter((u) => !owed.has(u)).sort();
  if (units.length === 0) return [];
  const request = {argv: ['systemctl', 'try-restart', '--', ...units], timeoutMs: 5 * 60_000};
  const result = await host.run(request);
  if (!result.started || result.timedOut || result.exitCode !== 0)
    throw new Error(
      `the package transaction finished, but restarting the services it owes failed: ${describeFailure(request, result)}`,
    );
  return units;
}

async function servicesOnReplacedFiles(
  host: Host,
  backend: PackageBackend,
  transaction: Transaction,
): Promise<string[]> {
  if (!backend.readFileLists || (transaction.changed ?? []).length === 0) return [];
  const files = new Set([...(await backend.readFileLists(host, transaction.changed ?? [])).values()].flat());
  return servicesMapping(host, (file) => file.deleted && files.has(file.path));
}

import type {Host} from '../../host/host.js';
import {neverRestarted, parseMaps, unitOfCgroup, type MappedFile} from './process-maps.js';

/**
 * servicesMapping finds the system services whose processes map a file that `matches`; see {@link servicesByOwner}.
 */
export async function servicesMapping(host: Host, matches: (file: MappedFile) => boolean): Promise<string[]> {
  return (await servicesByOwner(host, (file) => (matches(file) ? [''] : []))).get('') ?? [];
}

/**
 * servicesByOwner walks the processes once and finds, for each owner that `ownersOf` names for a mapped file (a
 * package, say), the system services whose processes map one of its files (needrestart's method: every process's
 * `/proc/PID/maps`, which covers its executable, and its cgroup for the unit). cosi's own unit and the units that
 * are never restarted automatically are left out. Read-only, runs nothing; a root without /proc (an image being
 * built) has no processes. Each owner's services are sorted.
 */
export async function servicesByOwner(
  host: Host,
  ownersOf: (file: MappedFile) => readonly string[],
): Promise<Map<string, string[]>> {
  const pids = ((await host.readDir('/proc')) ?? []).filter((name) => /^[0-9]{1,10}$/.test(name));
  const byOwner = new Map<string, Set<string>>();
  if (pids.length === 0) return new Map();
  const self = unitOfCgroup((await host.readText('/proc/self/cgroup')) ?? '');
  for (let i = 0; i < pids.length; i += 64) {
    await Promise.all(
      pids.slice(i, i + 64).map(async (pid) => {
        const maps = await host.readText(`/proc/${pid}/maps`).catch(() => undefined);
        const owners = new Set(maps === undefined ? [] : parseMaps(maps).flatMap(ownersOf));
        if (owners.size === 0) return;
        const unit = unitOfCgroup((await host.readText(`/proc/${pid}/cgroup`).catch(() => undefined)) ?? '');
        if (!unit || unit === self || neverRestarted(unit)) return;
        for (const owner of owners) byOwner.set(owner, (byOwner.get(owner) ?? new Set()).add(unit));
      }),
    );
  }
  return new Map([...byOwner].map(([owner, units]) => [owner, [...units].sort()]));
}

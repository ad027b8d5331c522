import type {Host} from '../../host/host.js';
import {neverRestarted, parseMaps, unitOfCgroup, type MappedFile} from './process-maps.js';

/**
 * servicesMapping finds the system services whose processes map a file that `matches` (needrestart's method: every
 * process's `/proc/PID/maps`, which covers its executable, and its cgroup for the unit). cosi's own unit and the
 * units that are never restarted automatically are left out. Read-only, runs nothing; a root without /proc (an image
 * being built) has no processes.
 */
export async function servicesMapping(host: Host, matches: (file: MappedFile) => boolean): Promise<string[]> {
  const pids = ((await host.readDir('/proc')) ?? []).filter((name) => /^[0-9]{1,10}$/.test(name));
  if (pids.length === 0) return [];
  const self = unitOfCgroup((await host.readText('/proc/self/cgroup')) ?? '');
  const units = new Set<string>();
  for (let i = 0; i < pids.length; i += 64) {
    await Promise.all(
      pids.slice(i, i + 64).map(async (pid) => {
        const maps = await host.readText(`/proc/${pid}/maps`).catch(() => undefined);
        if (maps === undefined || !parseMaps(maps).some(matches)) return;
        const unit = unitOfCgroup((await host.readText(`/proc/${pid}/cgroup`).catch(() => undefined)) ?? '');
        if (unit && unit !== self && !neverRestarted(unit)) units.add(unit);
      }),
    );
  }
  return [...units].sort();
}

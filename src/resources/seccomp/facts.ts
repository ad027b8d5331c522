import type {Host} from '../../host/host.js';
import {defaultSeccompDir} from './profile-file.js';

const maxListed = 10000;

/**
 * seccompFacts reports whether the kernel supports seccomp filters (`/proc/sys/kernel/seccomp/actions_avail`, or
 * the `Seccomp:` line of `/proc/self/status`) and the profiles present under the kubelet's default seccomp root.
 * Read-only.
 */
export async function seccompFacts({host}: {host: Host}): Promise<Record<string, unknown>> {
  const actions = (await host.readText('/proc/sys/kernel/seccomp/actions_avail'))?.trim();
  const status = await host.readText('/proc/self/status');
  const mode = status === undefined ? undefined : /^Seccomp:\s*(\d+)/m.exec(status)?.[1];
  const filters = actions !== undefined ? actions.split(/\s+/).length > 0 : mode !== undefined ? true : null;
  return {
    kernelFilters: filters,
    actionsAvailable: actions ? actions.split(/\s+/) : null,
    dir: defaultSeccompDir,
    profiles: await listProfiles(host, defaultSeccompDir),
  };
}

async function listProfiles(host: Host, dir: string): Promise<string[]> {
  const found: string[] = [];
  const pending = [''];
  while (pending.length > 0 && found.length < maxListed) {
    const relativeDir = pending.shift()!;
    for (const name of (await host.readDir(relativeDir ? `${dir}/${relativeDir}` : dir)) ?? []) {
      const relative = relativeDir ? `${relativeDir}/${name}` : name;
      const info = await host.lstat(`${dir}/${relative}`);
      if (info?.isDirectory()) pending.push(relative);
      else if (info?.isFile() && name.endsWith('.json')) found.push(relative);
    }
  }
  return found.sort();
}

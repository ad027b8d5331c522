import type {Host} from '../../host/host.js';
import type {PackageBackend} from './backend.js';
import {backends} from './backends.js';
import type {PackageManagerName} from './version/index.js';

/** familyManagers maps os-release IDs (ID and ID_LIKE words) to the distribution family's package manager. */
const familyManagers: Readonly<Record<string, PackageManagerName>> = {
  debian: 'apt',
  ubuntu: 'apt',
  fedora: 'dnf',
  rhel: 'dnf',
  centos: 'dnf',
  rocky: 'dnf',
  almalinux: 'dnf',
  amzn: 'dnf',
  alpine: 'apk',
};

/** Detection is the outcome of finding the node's package manager: its backend, or why there is none. */
export type Detection = {readonly backend: PackageBackend} | {readonly problem: string};

/**
 * detectManager finds the package manager of the node under the host's root, reading files only (no process).
 * An explicit `manager` must have its tools present. `auto` prefers the distribution family named by os-release
 * (`ID`, then `ID_LIKE`) when its tools are present, because a Debian node may well carry rpm, and otherwise takes
 * the first manager whose tools are present, in the order apt, dnf, apk.
 */
export async function detectManager(host: Host, manager: 'auto' | PackageManagerName): Promise<Detection> {
  if (manager !== 'auto') {
    const backend = backends[manager];
    const missing = await missingMarkers(host, backend);
    return missing.length === 0
      ? {backend}
      : {
          problem: `spec.packages.manager is ${manager}, but ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not on the node`,
        };
  }
  const present: PackageManagerName[] = [];
  for (const name of Object.keys(backends) as PackageManagerName[])
    if ((await missingMarkers(host, backends[name])).length === 0) present.push(name);
  const osRelease = (await host.readText('/etc/os-release')) ?? (await host.readText('/usr/lib/os-release')) ?? '';
  for (const id of osReleaseIds(osRelease)) {
    const family = familyManagers[id];
    if (family && present.includes(family)) return {backend: backends[family]};
  }
  if (present.length > 0) return {backend: backends[present[0]!]};
  return {
    problem:
      'no package manager found on the node (looked for apt/dpkg, dnf/rpm and apk); set spec.packages.manager or install one',
  };
}

async function missingMarkers(host: Host, backend: PackageBackend): Promise<string[]> {
  const missing: string[] = [];
  for (const path of backend.markers) if ((await host.stat(path)) === undefined) missing.push(path);
  return missing;
}

/** osReleaseIds returns ID then the ID_LIKE words of an os-release file, lower-case. Pure. */
export function osReleaseIds(text: string): string[] {
  const values: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^(ID|ID_LIKE)=(.*)$/.exec(line.trim());
    if (m) values[m[1]!] = m[2]!.replace(/^["']|["']$/g, '').toLowerCase();
  }
  return [values.ID, ...(values.ID_LIKE ?? '').split(/\s+/)].filter((id): id is string => Boolean(id));
}

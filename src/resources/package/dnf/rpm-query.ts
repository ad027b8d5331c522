import type {InstalledPackage} from '../backend.js';
import {compareRpmVersions} from '../version/index.js';

/** rpmQueryFormat prints name and `[epoch:]version-release` (the epoch only when set), tab-separated. */
export const rpmQueryFormat = '%{NAME}\\t%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\\n';

/**
 * parseRpmQuery reads `rpm -qa --queryformat` output in `rpmQueryFormat`. A name installed in several versions
 * (install-only packages such as `kernel`) is reported at its highest version. `gpg-pubkey` pseudo-packages are
 * skipped. rpm has no holds (the dnf versionlock plugin is not read). Pure.
 */
export function parseRpmQuery(stdout: string): InstalledPackage[] {
  const byName = new Map<string, InstalledPackage>();
  for (const line of stdout.split('\n')) {
    const [name, version] = line.split('\t');
    if (!name || !version || name === 'gpg-pubkey') continue;
    const existing = byName.get(name);
    if (existing && compareRpmVersions(existing.version, version) >= 0) continue;
    byName.set(name, {name, version, state: 'installed', held: false});
  }
  return [...byName.values()];
}

/**
 * parseRpmOwners reads `rpm -qf --queryformat '%{NAME}\n' PATH…`: one line per queried path, in order, either the
 * owner's name or `file PATH is not owned by any package`. Pure.
 */
export function parseRpmOwners(stdout: string, paths: readonly string[]): Map<string, string> {
  const owners = new Map<string, string>();
  const lines = stdout.split('\n').filter((line) => line !== '');
  lines.forEach((line, i) => {
    const path = paths[i];
    if (path !== undefined && !/^file .* is not owned by any package$/.test(line) && !line.includes(' '))
      owners.set(path, line);
  });
  return owners;
}

import {safeUnitName} from '../../names/unit-name.js';

const mapsLine = /^\S+ \S+ \S+ \S+ \d+ +(\/.*)$/;

/**
 * MappedFile is one file a process maps (`/proc/PID/maps`, its executable included): `deleted` when the kernel says
 * the file was replaced or removed since (` (deleted)` after the path), as after a package upgrade.
 */
export interface MappedFile {
  readonly path: string;
  readonly deleted: boolean;
}

/**
 * parseMaps reads `/proc/PID/maps` into the distinct files mapped, as needrestart does: only lines with an absolute
 * path, the ` (deleted)` mark split off. Pseudo-mappings (`[heap]`, `[vdso]`), anonymous ones and junk are skipped.
 * Pure.
 */
export function parseMaps(text: string): MappedFile[] {
  const files = new Map<string, MappedFile>();
  for (const line of text.split('\n')) {
    const m = mapsLine.exec(line);
    if (!m) continue;
    const deleted = m[1]!.endsWith(' (deleted)');
    const path = deleted ? m[1]!.slice(0, -' (deleted)'.length) : m[1]!;
    files.set(`${path}\0${deleted}`, {path, deleted});
  }
  return [...files.values()];
}

/**
 * unitOfCgroup reads `/proc/PID/cgroup` (v2 `0::/system.slice/ssh.service`, or v1's `name=systemd` line) and returns
 * the system service the process belongs to, if any: processes of user sessions (`user.slice`), of PID 1
 * (`init.scope`) and of scopes are nobody's service. The name must be a safe unit name. Pure.
 */
export function unitOfCgroup(text: string): string | undefined {
  const line =
    text.split('\n').find((l) => l.startsWith('0::')) ?? text.split('\n').find((l) => /^\d+:name=systemd:/.test(l));
  if (!line) return undefined;
  const path = line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1);
  const parts = path.split('/').filter(Boolean);
  if (parts[0] !== 'system.slice') return undefined;
  const service = parts.slice(1).find((p) => p.endsWith('.service'));
  return service === undefined ? undefined : safeUnitName(service);
}

/**
 * neverRestarted are units an automatic restart must leave alone (needrestart's own list, in spirit): the bus, login
 * consoles, rescue shells, user managers, and cosi itself.
 */
export function neverRestarted(unit: string): boolean {
  return /^(dbus|dbus-broker|emergency|rescue|systemd-logind|cosi-apply|cosi-agent|cosi-drift)\.service$|^(getty|serial-getty|user|autovt|container-getty)@/.test(
    unit,
  );
}

/**
 * unitFilesOf returns the system service units a package ships, from its file list (dpkg's `.list`, one path a line):
 * `/lib/systemd/system/NAME.service` or `/usr/lib/systemd/system/NAME.service`, templates (`NAME@.service`) skipped.
 * Pure.
 */
export function unitFilesOf(fileList: string): string[] {
  const units = new Set<string>();
  for (const line of fileList.split('\n')) {
    const m = /^\/(?:usr\/)?lib\/systemd\/system\/([^/]+\.service)$/.exec(line.trim());
    if (!m) continue;
    const unit = safeUnitName(m[1]!);
    if (unit) units.add(unit);
  }
  return [...units].sort();
}

import {readFileSync} from 'node:fs';

/** MountEntry is one line of /proc/self/mountinfo: where a mount is, and whether it is read-only there. */
export interface MountEntry {
  readonly mountPoint: string;
  readonly readOnly: boolean;
}

/**
 * parseMountInfo reads the text of /proc/PID/mountinfo (proc(5)): field 5 is the mount point, with space, tab,
 * newline and backslash written as octal escapes, field 6 the per-mount options, `ro` or `rw` first. Lines it
 * cannot read are left out.
 */
export function parseMountInfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const mountPoint = fields[4];
    const options = fields[5];
    if (mountPoint === undefined || options === undefined || !mountPoint.startsWith('/')) continue;
    entries.push({
      mountPoint: mountPoint.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))),
      readOnly: options.split(',').includes('ro'),
    });
  }
  return entries;
}

/**
 * mountOf is the mount a path is on: the entry with the longest mount point that is the path or a directory above
 * it, the last one listed when several are stacked on the same point (the one on top).
 */
export function mountOf(entries: readonly MountEntry[], path: string): MountEntry | undefined {
  let found: MountEntry | undefined;
  for (const entry of entries) {
    const point = entry.mountPoint;
    const under = point === '/' || path === point || path.startsWith(`${point}/`);
    if (under && (found === undefined || point.length >= found.mountPoint.length)) found = entry;
  }
  return found;
}

/**
 * onReadOnlyMount says whether a directory (a canonical path) is on a mount that is read-only in this process's
 * mount namespace, so that no one can change it through this path: a ConfigMap volume, which the kubelet mounts
 * read-only, in a directory it makes with mode 0777. False when /proc/self/mountinfo cannot be read.
 */
export function onReadOnlyMount(dir: string): boolean {
  let text: string;
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return false;
  }
  return mountOf(parseMountInfo(text), dir)?.readOnly ?? false;
}

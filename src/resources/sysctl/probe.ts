import {readConfigFile} from '../shared/read-config-file.js';
import type {Host} from '../../host/host.js';
import {managedOfKind} from '../../engine/state.js';
import type {ProbeRequest} from '../../engine/provider.js';
import type {SysctlFile} from './boot-view.js';
import {orderSysctlFiles} from './boot-view.js';
import {parseSysctlKey, type SysctlKey} from '../../names/sysctl-key.js';
import {foldValue} from './key.js';
import {cosiSysctlFile, parseSysctlFile, sysctlDirs} from './sysctl-d.js';

/** LiveSysctl is what /proc/sys says about one key. */
export type LiveSysctl =
  | {readonly state: 'present'; readonly value: string; readonly raw: string}
  | {readonly state: 'missing'}
  | {readonly state: 'unreadable'; readonly reason: string};

/** SysctlObserved is the probed kernel-parameter state: live values, cosi's file, and the boot-time files. */
export interface SysctlObserved {
  readonly kernel: string;
  /** Live values of every key the document sets or cosi manages, by canonical name. */
  readonly live: Readonly<Record<string, LiveSysctl>>;
  /** cosi's own file, by canonical name (file-form key, value as written). */
  readonly persisted: Readonly<Record<string, {readonly key: string; readonly value: string}>>;
  /** Every file systemd-sysctl reads at boot, in order, cosi's own included. */
  readonly bootFiles: readonly SysctlFile[];
}

/**
 * probeSysctls reads the live value of each relevant key from /proc/sys, cosi's persisted file, and every
 * sysctl.d file in boot order. Read-only; one directory listing per sysctl.d directory, one read per file.
 */
export async function probeSysctls({host, desired, state}: ProbeRequest): Promise<SysctlObserved> {
  const keys = new Map<string, SysctlKey>();
  for (const [name, entry] of desired.sysctls) keys.set(name, entry.key);
  for (const [address] of managedOfKind(state, 'sysctl')) {
    const key = parseSysctlKey(address.slice('sysctl.'.length));
    if (key) keys.set(key.name, key);
  }
  const [live, bootFiles, kernel] = await Promise.all([
    readLive(host, [...keys.values()]),
    readBootFiles(host),
    host.readText('/proc/sys/kernel/osrelease'),
  ]);
  const persisted: Record<string, {key: string; value: string}> = {};
  const own = bootFiles.find((f) => f.path === cosiSysctlFile);
  for (const a of own?.assignments ?? [])
    if (!a.glob) persisted[a.key] = {key: parseSysctlKey(a.key)!.fileForm, value: a.value};
  return {kernel: kernel?.trim() ?? 'unknown', live, persisted, bootFiles};
}

/** readLive reads the live value of each key from /proc/sys, one read a key, concurrently. Read-only. */
export async function readLive(host: Host, keys: readonly SysctlKey[]): Promise<Record<string, LiveSysctl>> {
  const entries = await Promise.all(
    keys.map(async (key): Promise<[string, LiveSysctl]> => {
      try {
        const text = await host.readText(key.procPath);
        if (text === undefined) return [key.name, {state: 'missing'}];
        return [key.name, {state: 'present', value: foldValue(text), raw: text.replace(/\n$/, '')}];
      } catch (cause) {
        const code = (cause as NodeJS.ErrnoException).code;
        if (code === 'EISDIR') return [key.name, {state: 'missing'}];
        return [
          key.name,
          {
            state: 'unreadable',
            reason: code === 'EACCES' || code === 'EPERM' ? 'it is write-only' : (cause as Error).message,
          },
        ];
      }
    }),
  );
  return Object.fromEntries(entries);
}

async function readBootFiles(host: Host): Promise<SysctlFile[]> {
  const listing = await Promise.all(sysctlDirs.map(async (dir) => ({dir, names: (await host.readDir(dir)) ?? []})));
  const paths = orderSysctlFiles(listing);
  const files = await Promise.all(paths.map(async (path) => ({path, text: await readConfigFile(host, path)})));
  const linksToSysctlConf = await Promise.all(
    paths.map(async (p) => (await host.resolve(p)) === host.hostPath('/etc/sysctl.conf')),
  );
  if (!linksToSysctlConf.some(Boolean)) {
    const text = await host.readText('/etc/sysctl.conf');
    if (text !== undefined) files.push({path: '/etc/sysctl.conf', text});
  }
  return files.map(({path, text}) => ({path, assignments: parseSysctlFile(text ?? '')}));
}

import type {Host} from '../../host/host.js';
import {cosiSysctlFile, parseSysctlFile, sysctlDirs} from './sysctl-d.js';

/** sysctlFacts reports cosi's persisted kernel parameters and the sysctl.d files present. Read-only. */
export async function sysctlFacts({host}: {host: Host}): Promise<Record<string, unknown>> {
  const files: string[] = [];
  for (const dir of sysctlDirs)
    for (const name of (await host.readDir(dir)) ?? []) if (name.endsWith('.conf')) files.push(`${dir}/${name}`);
  const own = parseSysctlFile((await host.readText(cosiSysctlFile)) ?? '');
  return {
    persistedFile: cosiSysctlFile,
    persisted: Object.fromEntries(own.map((a) => [a.key, a.value])),
    bootFiles: files,
    ipForward: (await host.readText('/proc/sys/net/ipv4/ip_forward'))?.trim() ?? null,
  };
}

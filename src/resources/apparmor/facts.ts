import type {Host} from '../../host/host.js';
import {findParser, readKernelState} from './probe.js';

/**
 * apparmorFacts reports whether the kernel's AppArmor is enabled (/sys/module/apparmor/parameters/enabled; null
 * without AppArmor), where apparmor_parser is, and how many profiles are loaded in each mode. Read-only.
 */
export async function apparmorFacts({host}: {host: Host}): Promise<Record<string, unknown>> {
  const kernel = await readKernelState(host);
  const modes: Record<string, number> = {};
  for (const mode of Object.values(kernel.loaded)) modes[mode] = (modes[mode] ?? 0) + 1;
  return {
    enabled: kernel.enabled,
    parser: await findParser(host),
    loadedProfiles: kernel.securityfs ? Object.keys(kernel.loaded).length : null,
    modes,
  };
}

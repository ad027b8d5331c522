import type {Host} from '../../host/host.js';
import {probeKernelArgs} from './probe.js';

/** kernelArgsFacts reports the boot loader cosi would use, the running kernel's arguments and the next boot's. Read-only. */
export async function kernelArgsFacts({host}: {host: Host}): Promise<Record<string, unknown>> {
  const observed = await probeKernelArgs({host});
  return {
    bootLoader: observed.loader,
    live: observed.live,
    nextBoot: observed.entries?.[0] ?? null,
    config: observed.configFile || null,
  };
}

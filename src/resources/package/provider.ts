import type {PackageChangeData} from './change-data.js';
import {defineProvider, type Provider} from '../../engine/provider.js';
import type {CommandRunner} from '../../host/command.js';
import type {Host} from '../../host/host.js';
import {applyPackage} from './apply.js';
import {backends} from './backends.js';
import {packageFacts} from './facts.js';
import {packageOwes} from './owes.js';
import {planPackages} from './plan.js';
import {probePackages, type PackageObserved} from './probe.js';

/**
 * createPackageProvider builds the OS-package provider. `runner`, for tests on fixture roots only, makes the command
 * runner this provider uses on a host in place of the host's own (a simulated package manager over the fixture
 * root); files still go through the host, and spawns are still counted.
 */
export function createPackageProvider(
  options: {runner?: (host: Host) => CommandRunner} = {},
): Provider<PackageObserved, PackageChangeData> {
  const {runner} = options;
  const through = (host: Host): Host => {
    if (!runner) return host;
    const run = runner(host);
    return {...host, run: async (request) => (host.stats.spawned++, run(request))};
  };
  return defineProvider({
    kind: 'package',
    sections: ['spec.packages'],
    probe: (request) => probePackages({...request, host: through(request.host)}),
    plan: planPackages,
    owes: packageOwes,
    apply: (request) => applyPackage({...request, host: through(request.host)}),
    facts: (request) => packageFacts({host: through(request.host)}),
    // Whatever manager the node has now: a leftover of one it had before is still cosi's to take away.
    leftovers: async ({host}) =>
      (await Promise.all(Object.values(backends).map((b) => b.leftovers?.(host) ?? []))).flat(),
  });
}

/** packageProvider manages OS packages through the node's apt/dpkg, dnf/rpm or apk (`spec.packages`). */
export const packageProvider = createPackageProvider();

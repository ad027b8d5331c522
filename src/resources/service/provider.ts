import type {ServiceChangeData} from './plan.js';
import {defineProvider, type Provider} from '../../engine/provider.js';
import type {CommandRunner} from '../../host/command.js';
import type {Host} from '../../host/host.js';
import {applyService} from './apply.js';
import {restartPerformer} from './owed-restarts.js';
import {planServices} from './plan.js';
import {probeServices, type ServiceObserved} from './probe.js';

/**
 * createServiceProvider builds the systemd unit provider. `runner`, for tests on fixture roots only, replaces the
 * host's command runner for this provider (a simulated systemctl); files still go through the host.
 */
export function createServiceProvider(
  options: {runner?: (host: Host) => CommandRunner} = {},
): Provider<ServiceObserved, ServiceChangeData> {
  const through = (host: Host): Host => (options.runner ? {...host, run: options.runner(host)} : host);
  return defineProvider({
    kind: 'service',
    sections: ['spec.services'],
    probe: (request) => probeServices({...request, host: through(request.host)}),
    plan: planServices,
    apply: (request) => applyService({...request, host: through(request.host)}),
    // A unit's own change carries out its disruption itself; it owes nothing to anyone.
    owes: () => [],
    performs: restartPerformer,
  });
}

/**
 * serviceProvider manages systemd units (`spec.services`, the CSI drivers' services, the runtime's unit): enabled
 * and running state, and the restarts other changes owe (it performs the owed `restart` work: `planOwedRestarts`).
 */
export const serviceProvider = createServiceProvider();

import type {SwapChangeData} from './plan.js';
import {defineProvider, type Provider} from '../../engine/provider.js';
import type {CommandRunner} from '../../host/command.js';
import type {Host} from '../../host/host.js';
import {applySwap} from './apply.js';
import {checkSwap} from './check-swap.js';
import {planSwap} from './plan.js';
import {probeSwap, type SwapObserved} from './probe.js';
import {parseProcSwaps} from './swap-files.js';

/**
 * createSwapProvider builds the swap provider. `runner`, for tests on fixture roots only, replaces the host's command
 * runner (a simulated systemctl and swapoff); files are still read through the host.
 */
export function createSwapProvider(
  options: {runner?: (host: Host) => CommandRunner} = {},
): Provider<SwapObserved, SwapChangeData> {
  const through = (host: Host): Host => (options.runner ? {...host, run: options.runner(host)} : host);
  return defineProvider({
    kind: 'swap',
    sections: ['spec.swap'],
    probe: (request) => probeSwap({...request, host: through(request.host)}),
    plan: planSwap,
    check: checkSwap,
    apply: (request) => applySwap({...request, host: through(request.host)}),
    facts: async ({host}) => ({active: parseProcSwaps((await host.readText('/proc/swaps')) ?? '')}),
  });
}

/** swapProvider manages `spec.swap`: swap off now (`swapoff`) and at every boot (its units masked). */
export const swapProvider = createSwapProvider();

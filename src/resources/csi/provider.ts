import type {Provider} from '../../engine/provider.js';
import {applyCsi} from './apply.js';
import {csiFacts} from './facts.js';
import {planCsi} from './plan.js';
import {probeCsi, type CsiObserved} from './probe.js';

/**
 * csiProvider reports the health of CSI drivers' node plugins (CSI Identity over their sockets). What the drivers
 * need from the host (packages, modules, services) is planned by those kinds.
 */
export const csiProvider: Provider<CsiObserved> = {
  kind: 'csi.driver',
  sections: ['spec.csi'],
  probe: probeCsi,
  plan: planCsi,
  apply: applyCsi,
  facts: csiFacts,
};

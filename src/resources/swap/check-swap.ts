import type {NodeConfig} from '../../config/generated/types.js';
import {error, type Diagnostic} from '../../diag/diagnostic.js';

/** checkSwap enforces the offline rule of `spec.swap`: only `enabled: false` is supported. Pure. */
export function checkSwap(config: NodeConfig): Diagnostic[] {
  if (config.spec?.swap?.enabled !== true) return [];
  return [
    error('swap.enabled: true is not supported: cosi turns swap off, it does not provision it', {
      path: ['spec', 'swap', 'enabled'],
      detail: 'expected `enabled: false`; leave `swap` out of the document to leave swap as it is',
    }),
  ];
}

import {defineProvider} from '../../engine/provider.js';
import {applyKernelArgs} from './apply.js';
import {kernelArgsFacts} from './facts.js';
import {planKernelArgs} from './plan.js';
import {probeKernelArgs} from './probe.js';

/** kernelArgsProvider manages the kernel command line of the next boot through the boot loader (`kernel.args`). */
export const kernelArgsProvider = defineProvider({
  kind: 'kernel.args',
  sections: ['spec.kernel'],
  probe: probeKernelArgs,
  plan: planKernelArgs,
  apply: applyKernelArgs,
  facts: kernelArgsFacts,
});

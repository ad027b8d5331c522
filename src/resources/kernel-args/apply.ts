import {payload} from '../../plan/change.js';
import {appliedRecord} from '../../engine/state.js';
import type {ApplyOutcome, ApplyRequest} from '../../engine/provider.js';
import {runChecked} from '../shared/run-checked.js';
import {cosiGrubDropIn} from './grub-defaults.js';
import type {KernelArgsChangeData} from './plan.js';

/**
 * applyKernelArgs carries out the planned kernel-argument change through the boot loader's own tools: on Debian it
 * writes (atomically) or removes cosi's drop-in and runs `update-grub` (inside the root); on the RHEL family it runs
 * `grubby --update-kernel=ALL --args=… --remove-args=…`. The running kernel is not touched: the change takes effect
 * at the next boot. Idempotent.
 */
export async function applyKernelArgs({
  host,
  change,
  state,
}: ApplyRequest<KernelArgsChangeData>): Promise<ApplyOutcome> {
  const data = payload(change);
  if (data.loader === 'grub') {
    if (data.write === null) await host.remove(cosiGrubDropIn);
    else await host.writeAtomic(cosiGrubDropIn, data.write, {mode: 0o644});
    if (data.regenerate) await runChecked(host, {argv: ['update-grub'], timeoutMs: 300_000});
  } else {
    const argv = ['grubby', '--update-kernel=ALL'];
    if (data.add.length > 0) argv.push(`--args=${data.add.join(' ')}`);
    if (data.remove.length > 0) argv.push(`--remove-args=${data.remove.join(' ')}`);
    if (argv.length > 2) await runChecked(host, {argv, timeoutMs: 300_000});
  }
  if (change.action === 'delete') return {forget: true};
  return {record: appliedRecord({state, change, original: null, applied: data.record})};
}

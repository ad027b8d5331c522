import {payload} from '../../plan/change.js';
import {appliedRecord} from '../../engine/state.js';
import type {ApplyOutcome, ApplyRequest} from '../../engine/provider.js';
import {parseSysctlKey} from '../../names/sysctl-key.js';
import type {SysctlChangeData} from './plan.js';
import {cosiSysctlFile, parseSysctlFile, renderCosiSysctlFile} from './sysctl-d.js';

/**
 * applySysctl carries out one planned sysctl change: writes the live value through /proc/sys when it differs,
 * then rewrites cosi's sysctl.d file (atomically, only if its content changes) with the key set or removed.
 * Idempotent: applying the same change twice writes nothing the second time.
 */
export async function applySysctl({host, change, state}: ApplyRequest<SysctlChangeData>): Promise<ApplyOutcome> {
  const data = payload(change);
  if (data.write !== undefined) {
    try {
      await host.writeKernel(data.procPath, data.write);
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      const reason =
        code === 'EINVAL'
          ? 'the kernel rejected the value (Invalid argument)'
          : code === 'ENOENT'
            ? 'the key does not exist'
            : (cause as Error).message;
      throw new Error(`writing ${JSON.stringify(data.write)} to ${data.procPath} failed: ${reason}`);
    }
  }
  const current = parseSysctlFile((await host.readText(cosiSysctlFile)) ?? '');
  const entries = new Map<string, string>();
  for (const a of current) if (!a.glob) entries.set(parseSysctlKey(a.key)!.fileForm, a.value);
  entries.delete(data.fileForm);
  if (data.persist !== undefined) entries.set(data.fileForm, data.persist);
  if (entries.size === 0) await host.remove(cosiSysctlFile);
  else await host.writeAtomic(cosiSysctlFile, renderCosiSysctlFile(entries));

  if (change.action === 'delete') return {forget: true};
  return {record: appliedRecord({state, change, original: data.original})};
}

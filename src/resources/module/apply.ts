import {payload, type Change} from '../../plan/change.js';
import {appliedRecord} from '../../engine/state.js';
import type {ApplyOutcome, ApplyRequest} from '../../engine/provider.js';
import type {Host} from '../../host/host.js';
import {runChecked} from '../shared/run-checked.js';
import {sameLines} from './cosi-lines.js';
import {assertNever} from '../../diag/cosi-error.js';
import {loadCommand, unloadCommand, type ModuleChangeData} from './live-operation.js';
import {cosiModprobeEntries, cosiModprobeFile, renderCosiModprobeFile} from './modprobe-d.js';
import {parseProcModules} from './proc-modules.js';
import {applyInitramfs} from './initramfs-apply.js';
import {isInitramfsChange, type ModuleData} from './initramfs-plan.js';
import {cosiModulesLoadFile, parseModulesLoadFile, renderCosiModulesLoadFile} from './modules-load-d.js';

/**
 * applyModule carries out one planned module change: first cosi's modules-load.d and modprobe.d files (rewritten
 * atomically, only when their content changes: a `blocked` module's `install /bin/false` goes away before a load,
 * and a load already sees cosi's `install` and `options` lines), then the live operation (`modprobe`, `rmmod`, or
 * both for a reload). Idempotent: applying the same change again writes nothing and runs nothing. The initramfs
 * rebuild (`module.initramfs`) is {@link applyInitramfs}.
 */
export async function applyModule({host, change, state}: ApplyRequest<ModuleData>): Promise<ApplyOutcome> {
  if (isInitramfsChange(change)) return applyInitramfs({host, change, state});
  const data = payload(change as Change<ModuleChangeData>);
  await persist(host, data);
  switch (data.live) {
    case 'none':
      break;
    case 'load':
      // Applying the same change twice loads once: a module already loaded stays as it is.
      if (!(await isLoaded(host, data.realName))) await run(host, loadCommand(data.name, data.loadParameters));
      break;
    case 'unload':
      if (await isLoaded(host, data.realName)) await run(host, unloadCommand(data.realName));
      break;
    case 'reload':
      await run(host, unloadCommand(data.realName));
      await run(host, loadCommand(data.name, data.loadParameters));
      break;
    default:
      assertNever(data.live, 'live operation');
  }
  if (change.action === 'delete') return {forget: true};
  return {record: appliedRecord({state, change, original: data.original})};
}

async function persist(host: Host, data: ModuleChangeData): Promise<void> {
  const load = new Set(parseModulesLoadFile((await host.readText(cosiModulesLoadFile)) ?? '').map((e) => e.module));
  const hadLoad = load.has(data.name);
  if (data.persistLoad) load.add(data.name);
  else load.delete(data.name);
  if (hadLoad !== data.persistLoad) await write(host, cosiModulesLoadFile, renderCosiModulesLoadFile(load));

  const entries = cosiModprobeEntries((await host.readText(cosiModprobeFile)) ?? '');
  const before = entries.get(data.name) ?? [];
  if (sameLines(before, data.probeLines)) return;
  entries.set(data.name, [...data.probeLines]);
  await write(host, cosiModprobeFile, renderCosiModprobeFile(entries));
}

async function write(host: Host, path: string, content: string | undefined): Promise<void> {
  if (content === undefined) await host.remove(path);
  else await host.writeAtomic(path, content, {mode: 0o644});
}

async function run(host: Host, argv: string[]): Promise<void> {
  await runChecked(host, {argv, timeoutMs: 120_000});
}

async function isLoaded(host: Host, name: string): Promise<boolean> {
  return parseProcModules((await host.readText('/proc/modules')) ?? '').has(name);
}

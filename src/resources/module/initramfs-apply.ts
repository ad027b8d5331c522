import type {ApplyOutcome, ApplyRequest} from '../../engine/provider.js';
import {appliedRecord} from '../../engine/state.js';
import {payload} from '../../plan/change.js';
import {runChecked} from '../shared/run-checked.js';
import {contentOfFiles, type InitramfsRecord} from './initramfs-content.js';
import {rebuildCommand} from './initramfs-tool.js';
import type {InitramfsChangeData} from './initramfs-plan.js';
import {cosiModprobeFile} from './modprobe-d.js';
import {cosiModulesLoadFile} from './modules-load-d.js';

/**
 * applyInitramfs rebuilds the node's initramfs with its own tool (`update-initramfs -u -k all`, `dracut -f
 * --regenerate-all`), run inside the root like every command, after the module changes wrote cosi's files. It then
 * records in cosi's state what those files held when the tool ran, so that the next plan rebuilds only when they
 * change again. Running it twice rebuilds twice and leaves the same images.
 */
export async function applyInitramfs({host, change, state}: ApplyRequest<InitramfsChangeData>): Promise<ApplyOutcome> {
  const {tool} = payload(change);
  // Read before the tool runs: the image holds what the files held then.
  const content = contentOfFiles(await host.readText(cosiModprobeFile), await host.readText(cosiModulesLoadFile));
  await runChecked(host, {argv: rebuildCommand(tool), timeoutMs: 1_800_000});
  if (change.action === 'delete') return {forget: true};
  const applied: InitramfsRecord = {tool, ...content};
  return {record: appliedRecord({state, change, original: null, applied})};
}

import {digest} from '../../engine/digest.js';
import type {CosiState} from '../../engine/state.js';
import {payload, type Change} from '../../plan/change.js';
import type {Disruption} from '../../plan/disruption.js';
import {sameLines} from './cosi-lines.js';
import {canonicalContent, carriedLines, parseInitramfsRecord, type CosiFilesContent} from './initramfs-content.js';
import {
  copiesModulesLoad,
  initramfsAddress,
  rebuildCommand,
  type InitramfsObserved,
  type InitramfsTool,
} from './initramfs-tool.js';
import type {ModuleChangeData} from './live-operation.js';

/** InitramfsChangeData is what apply needs for the rebuild: only the tool (its command line is fixed). */
export interface InitramfsChangeData {
  readonly tool: InitramfsTool;
}

/**
 * planInitramfs plans the rebuild of the node's initramfs (`module.initramfs`) after the module changes of the
 * plan: the initramfs holds its own copy of /etc/modprobe.d (dracut's also of /etc/modules-load.d), and its udev
 * loads modules (floppy, say, with initramfs-tools' `MODULES=most`) before the root file system's settings are read,
 * so a blocked module, options or modules to load hold from the first moment of the next boot only once the image is
 * rebuilt. The lines cosi's files will hold after the plan are compared with those cosi recorded when it last ran
 * the tool (cosi's state): a rebuild is planned when they differ, once per apply, after every module change
 * (`dependsOn`). Its disruption is `reboot` when a module change it follows cannot reach the running kernel (a
 * blocked module in use); otherwise the running kernel already has the setting and the rebuild costs nothing now.
 * No tool or no image: nothing (facts says why). No lines and no record: nothing. Pure.
 */
export function planInitramfs(request: {
  readonly initramfs: InitramfsObserved;
  readonly cosiProbe: Readonly<Record<string, readonly string[]>>;
  readonly cosiLoad: readonly string[];
  readonly changes: readonly Change<ModuleData>[];
  readonly state: CosiState;
}): Change<InitramfsChangeData> | undefined {
  const {initramfs, changes, state} = request;
  const tool = initramfs.tool;
  if (tool === null || initramfs.images.length === 0) return undefined;
  const moduleChanges = changes.filter(
    (c): c is Change<ModuleChangeData> => c.action !== 'noop' && !isInitramfsChange(c),
  );
  const expected = afterChanges(request.cosiProbe, request.cosiLoad, moduleChanges);
  const stored = state.resources[initramfsAddress];
  const record = stored ? parseInitramfsRecord(stored.applied) : undefined;
  const want = carriedLines(tool, expected);
  const had = record && record.tool === tool ? carriedLines(tool, record) : undefined;
  const images = initramfs.images.map((name) => `/boot/${name}`);
  const base = {
    address: initramfsAddress,
    kind: 'module' as const,
    before: had === undefined ? null : {tool, lines: had},
    after: want.length === 0 ? null : {tool, images, lines: want},
    dependsOn: moduleChanges.map((c) => c.address),
    inputs: digest({initramfs, expected, record: record ?? null}),
    data: {tool} satisfies InitramfsChangeData,
  };
  if (had !== undefined && sameLines(had, want))
    return {
      ...base,
      action: 'noop',
      reason: `the initramfs was built by ${tool} with cosi's lines`,
      disruption: 'none',
    };
  if (had === undefined && want.length === 0 && !stored) return undefined;

  const details = [
    ...(had ?? []).filter((l) => !want.includes(l)).map((l) => `- ${l}`),
    ...want.filter((l) => !(had ?? []).includes(l)).map((l) => `+ ${l}`),
    `run: ${rebuildCommand(tool).join(' ')} (${images.join(', ')})`,
  ];
  const behind = moduleChanges.filter((c) => c.disruption === 'reboot');
  const disruption: Disruption = behind.length > 0 ? 'reboot' : 'none';
  const why =
    had === undefined
      ? stored
        ? `cosi's record of the last rebuild is not readable`
        : `cosi has not rebuilt it since it wrote its lines`
      : `cosi's lines changed since it last rebuilt it${moduleChanges.length > 0 ? ` (${moduleChanges.map((c) => c.address).join(', ')})` : ''}`;
  const reason = [
    `the initramfs holds its own copy of ${carriesWhat(tool)}, and its udev loads modules before the root file system's are read: ${why}, so ${tool} rebuilds ${images.length === 1 ? 'it' : `all ${images.length}`}`,
    ...(behind.length > 0
      ? [`the running kernel catches up only at the next boot (${behind.map((c) => c.address).join(', ')})`]
      : []),
  ].join('; ');
  const action = want.length === 0 ? 'delete' : stored ? 'update' : 'create';
  return {...base, action, reason, disruption, details};
}

/** afterChanges is what cosi's files hold once the module changes are carried out (apply writes exactly this). */
function afterChanges(
  cosiProbe: Readonly<Record<string, readonly string[]>>,
  cosiLoad: readonly string[],
  changes: readonly Change<ModuleChangeData>[],
): CosiFilesContent {
  const modprobe = new Map<string, readonly string[]>(Object.entries(cosiProbe));
  const load = new Set(cosiLoad);
  for (const change of changes) {
    const data = payload(change);
    modprobe.set(data.name, data.probeLines);
    if (data.persistLoad) load.add(data.name);
    else load.delete(data.name);
  }
  return canonicalContent(modprobe, load);
}

function carriesWhat(tool: InitramfsTool): string {
  return copiesModulesLoad(tool) ? '/etc/modprobe.d and /etc/modules-load.d' : '/etc/modprobe.d';
}

/** ModuleData is the data of the module provider's changes: a module's, or the initramfs rebuild's. */
export type ModuleData = ModuleChangeData | InitramfsChangeData;

/** isInitramfsChange tells the rebuild (`module.initramfs`) from a module's change. */
export function isInitramfsChange(change: Change<ModuleData>): change is Change<InitramfsChangeData> {
  return change.address === initramfsAddress;
}

import {error, type Diagnostic} from '../../diag/diagnostic.js';
import {digest} from '../../engine/digest.js';
import type {PlanRequest, ProviderPlan} from '../../engine/provider.js';
import type {ManagedRecord} from '../../engine/state.js';
import type {BootNote} from '../../plan/change.js';
import type {Disruption} from '../../plan/disruption.js';
import {liveCmdlineFile} from './cmdline.js';
import {cosiGrubDropIn, dropInArgs, renderDropIn} from './grub-defaults.js';
import type {KernelArgsObserved} from './probe.js';

/** kernelArgsAddress is the one address of the kernel command line (SPEC §2). */
export const kernelArgsAddress = 'kernel.args';

/** KernelArgsRecord is what cosi remembers: the arguments it put in its drop-in (grub), or added with grubby. */
export type KernelArgsRecord =
  | {readonly loader: 'grub'; readonly args: readonly string[]}
  | {readonly loader: 'grubby'; readonly added: readonly string[]};

/** KernelArgsChangeData is what apply does: write (or remove, `null`) cosi's drop-in and run update-grub, or run grubby. */
export type KernelArgsChangeData =
  | {
      readonly loader: 'grub';
      readonly write: string | null;
      readonly regenerate: boolean;
      readonly record: KernelArgsRecord;
    }
  | {
      readonly loader: 'grubby';
      readonly add: readonly string[];
      readonly remove: readonly string[];
      readonly record: KernelArgsRecord;
    };

const where = {path: ['spec', 'kernel', 'args'], address: kernelArgsAddress} as const;

/**
 * planKernelArgs compares the declared arguments with the boot loader's configuration for the next boot and with
 * the running kernel (/proc/cmdline). A change (`create`, `update`, `delete` when the arguments leave the document)
 * is planned only when the configuration must change; it owes a `reboot` when the running kernel then differs from
 * the next boot in cosi's arguments. An argument the configuration and the running kernel already have is no change;
 * an owed reboot with the configuration already right is a boot note. No boot loader cosi can drive is an error,
 * never a pretended change. Pure.
 */
export function planKernelArgs({
  desired,
  observed,
  state,
}: PlanRequest<KernelArgsObserved>): ProviderPlan<KernelArgsChangeData> {
  const declared = desired.config.spec?.kernel?.args;
  const record = state.resources[kernelArgsAddress] as (ManagedRecord & {applied: KernelArgsRecord | null}) | undefined;
  const wanted = declared ?? [];
  if (wanted.length === 0 && !record) return {changes: []};
  if (observed.loader === 'none') {
    const diagnostics: Diagnostic[] = [
      error(
        `kernel arguments cannot be set on this node: cosi sets them through update-grub (Debian's GRUB, /etc/default/grub.d) or grubby (BLS entries under /boot/loader/entries), and found neither`,
        where,
      ),
    ];
    return {changes: [], diagnostics};
  }
  const plan =
    observed.loader === 'grub'
      ? planGrub(wanted, observed, record?.applied ?? null, declared !== undefined && declared.length > 0)
      : planGrubby(wanted, observed, record?.applied ?? null, declared !== undefined && declared.length > 0);
  const live = observed.live;
  const owed =
    live === null
      ? []
      : [
          ...plan.wantLive.filter((a) => !live.includes(a)).map((a) => `+${a}`),
          ...plan.goneLive.filter((a) => live.includes(a)).map((a) => `-${a}`),
        ];
  const disruption: Disruption = live === null || owed.length > 0 ? 'reboot' : 'none';
  const base = {
    address: kernelArgsAddress,
    kind: 'kernel.args' as const,
    dependsOn: [],
    inputs: digest({observed, record: record?.applied ?? null}),
  };
  if (plan.data === undefined) {
    // With the configuration right, any difference between the running kernel and the next boot's default entry is
    // a reboot still owed (cosi's own earlier change, or one made outside cosi).
    const next = observed.entries?.[0];
    const pending =
      live === null || next === undefined
        ? owed
        : [
            ...next.filter((a) => !live.includes(a)).map((a) => `+${a}`),
            ...live.filter((a) => !next.includes(a)).map((a) => `-${a}`),
          ];
    const bootNotes: BootNote[] =
      pending.length > 0
        ? [
            {
              address: kernelArgsAddress,
              file: liveCmdlineFile,
              message: `the running kernel's command line (${liveCmdlineFile}) differs from the next boot's (${observed.configFile}) in ${pending.join(' ')}: a reboot is owed`,
            },
          ]
        : [];
    if (record && (!declared || declared.length === 0)) {
      // Nothing left to undo on the node (apply runs nothing); the record goes. A reboot still owed is the note's.
      return {
        changes: [
          {
            ...base,
            action: 'delete',
            before: record.applied,
            after: null,
            reason: "no longer in the document; the boot configuration holds none of cosi's arguments",
            disruption: 'none',
            data: plan.forget,
          },
        ],
        bootNotes,
      };
    }
    return {
      changes: [
        {
          ...base,
          action: 'noop',
          before: plan.before,
          after: plan.after,
          reason: plan.reasons.join('; ') || 'the boot configuration has the arguments',
          disruption: 'none',
          data: plan.keep,
        },
      ],
      bootNotes,
    };
  }
  const action = !declared || declared.length === 0 ? 'delete' : record ? 'update' : 'create';
  return {
    changes: [
      {
        ...base,
        action,
        before: plan.before,
        after: action === 'delete' ? null : plan.after,
        reason: plan.reasons.join('; '),
        disruption,
        details: plan.details,
        data: plan.data,
      },
    ],
  };
}

interface LoaderPlan {
  readonly before: unknown;
  readonly after: unknown;
  /** Arguments the running kernel must have after the reboot, and must no longer have. */
  readonly wantLive: readonly string[];
  readonly goneLive: readonly string[];
  readonly reasons: string[];
  readonly details: string[];
  /** undefined: the configuration is right already. */
  readonly data?: KernelArgsChangeData;
  /** The change data of a delete that only forgets the record. */
  readonly forget: KernelArgsChangeData;
  /** The change data of a no-op: nothing to run, the record kept up to date. */
  readonly keep: KernelArgsChangeData;
}

function planGrub(
  wanted: readonly string[],
  observed: KernelArgsObserved,
  applied: KernelArgsRecord | null,
  declared: boolean,
): LoaderPlan {
  const others = new Set(observed.otherArgs);
  const args = wanted.filter((a) => !others.has(a));
  const previous = applied?.loader === 'grub' ? applied.args : dropInArgs(observed.dropIn);
  const gone = previous.filter((a) => !wanted.includes(a) && !others.has(a));
  const text = args.length > 0 ? renderDropIn(args) : null;
  const entries = observed.entries;
  const reasons: string[] = [];
  const details: string[] = [];
  if (observed.dropIn !== text) {
    if (text === null) reasons.push(`${cosiGrubDropIn} is removed`);
    else if (observed.dropIn === null) reasons.push(`${cosiGrubDropIn} does not exist`);
    else
      reasons.push(
        applied
          ? `${cosiGrubDropIn} differs from the arguments (changed outside cosi, or the document changed)`
          : `${cosiGrubDropIn} holds other content; cosi owns the file`,
      );
  }
  if (entries === null || entries.length === 0)
    reasons.push(`${observed.configFile} has no boot entries: update-grub has not run`);
  else {
    const missing = args.filter((a) => entries.some((e) => !e.includes(a)));
    const stale = gone.filter((a) => entries.some((e) => e.includes(a)));
    if (missing.length > 0) reasons.push(`${observed.configFile} lacks ${missing.join(' ')}`);
    if (stale.length > 0) reasons.push(`${observed.configFile} still has ${stale.join(' ')}`);
  }
  const covered = wanted.filter((a) => others.has(a));
  for (const a of args.filter((a) => !previous.includes(a))) details.push(`+ ${a}`);
  for (const a of gone) details.push(`- ${a}`);
  const record: KernelArgsRecord = {loader: 'grub', args};
  const before = {loader: 'grub', file: cosiGrubDropIn, args: dropInArgs(observed.dropIn)};
  const after = {loader: 'grub', file: cosiGrubDropIn, args, ...(covered.length > 0 ? {alreadySet: covered} : {})};
  const forget: KernelArgsChangeData = {loader: 'grub', write: null, regenerate: false, record};
  const keep: KernelArgsChangeData = {loader: 'grub', write: text, regenerate: false, record};
  if (reasons.length === 0) {
    return {
      before,
      after,
      wantLive: declared ? wanted : [],
      goneLive: gone,
      reasons:
        covered.length > 0 ? [`${covered.join(' ')} already set by the GRUB defaults outside cosi's drop-in`] : [],
      details,
      forget,
      keep,
    };
  }
  reasons.push('update-grub regenerates ' + observed.configFile);
  return {
    before,
    after,
    wantLive: wanted,
    goneLive: gone,
    reasons,
    details,
    data: {loader: 'grub', write: text, regenerate: true, record},
    forget,
    keep,
  };
}

function planGrubby(
  wanted: readonly string[],
  observed: KernelArgsObserved,
  applied: KernelArgsRecord | null,
  declared: boolean,
): LoaderPlan {
  const entries = observed.entries ?? [];
  const first = entries[0] ?? [];
  const previous = applied?.loader === 'grubby' ? applied.added : [];
  const add = wanted.filter((a) => entries.length === 0 || entries.some((e) => !e.includes(a)));
  const remove = previous.filter((a) => !wanted.includes(a) && entries.some((e) => e.includes(a)));
  const added = [
    ...new Set([...previous.filter((a) => wanted.includes(a)), ...wanted.filter((a) => !first.includes(a))]),
  ];
  const reasons: string[] = [];
  if (entries.length === 0) reasons.push(`${observed.configFile} has no boot entries`);
  if (add.length > 0) reasons.push(`the boot entries lack ${add.join(' ')}`);
  if (remove.length > 0) reasons.push(`the boot entries still have ${remove.join(' ')}, which cosi added`);
  const record: KernelArgsRecord = {loader: 'grubby', added};
  const before = {loader: 'grubby', args: wanted.filter((a) => first.includes(a)), added: previous};
  const after = {loader: 'grubby', args: wanted, added};
  const details = [...add.map((a) => `+ ${a}`), ...remove.map((a) => `- ${a}`)];
  const gone = previous.filter((a) => !wanted.includes(a));
  const forget: KernelArgsChangeData = {loader: 'grubby', add: [], remove: [], record};
  if (add.length === 0 && remove.length === 0)
    return {before, after, wantLive: declared ? wanted : [], goneLive: gone, reasons, details, forget, keep: forget};
  reasons.push('grubby --update-kernel=ALL edits every entry');
  return {
    before,
    after,
    wantLive: wanted,
    goneLive: gone,
    reasons,
    details,
    data: {loader: 'grubby', add, remove, record},
    forget,
    keep: forget,
  };
}

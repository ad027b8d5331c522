import {error, type Diagnostic} from '../../diag/diagnostic.js';
import {digest} from '../../engine/digest.js';
import type {PlanRequest, ProviderPlan} from '../../engine/provider.js';
import type {ManagedRecord} from '../../engine/state.js';
import type {Change} from '../../plan/change.js';
import {bootSwapUnits, wasActive} from './boot-units.js';
import {maskDir, type SwapObserved} from './probe.js';
import type {SwapApplied, SwapOriginal} from './record.js';

/** swapAddress is the address of the node's swap (SPEC §2): there is one. */
export const swapAddress = 'swap';

/** SwapChangeData is what apply runs, in this order: `systemctl mask`, `swapoff`; or `systemctl unmask`, `systemctl start`. */
export interface SwapChangeData {
  readonly mask: readonly string[];
  readonly swapoff: readonly string[];
  readonly unmask: readonly string[];
  readonly start: readonly string[];
  readonly systemd: boolean;
  readonly original?: SwapOriginal;
}

const kib = (n: number) => (n >= 1024 ? `${Math.round(n / 1024)} MiB` : `${n} KiB`);

/**
 * planSwap plans `swap: {enabled: false}`: every active swap off (`swapoff`), and every unit that would turn swap on
 * at boot masked in /etc/systemd/system (`systemctl mask`): fstab entries stay as they are, but the units
 * systemd-fstab-generator makes of them are hidden. A unit file a mask cannot hide is an error. With `swap` removed
 * from the document, the units cosi masked are unmasked and those that were on when cosi found them started again
 * (`planSwapRemoval`). Pure.
 */
export function planSwap({desired, observed, state}: PlanRequest<SwapObserved>): ProviderPlan<SwapChangeData> {
  const record = state.resources[swapAddress];
  const swap = desired.config.spec?.swap;
  if (swap === undefined) return record ? {changes: [planSwapRemoval(record, observed)]} : {changes: []};
  if (swap.enabled) return {changes: []};
  const units = bootSwapUnits(observed);
  if (!observed.bootsSystemd && units.length > 0) {
    return {
      changes: [],
      diagnostics: [
        error('swap cannot be kept off at boot on this node: it does not boot with systemd', {
          path: ['spec', 'swap', 'enabled'],
          detail: `cosi masks the swap units systemd makes of ${units.flatMap((u) => u.sources).join(', ')}; without systemd, /etc/fstab's swap entries are turned on by the init scripts, and cosi does not edit /etc/fstab`,
        }),
      ],
    };
  }
  const diagnostics: Diagnostic[] = units.flatMap((u) =>
    u.unmaskable
      ? [
          error(`swap unit ${u.unit} cannot be masked: ${u.unmaskable} is a unit file, not a link cosi may add`, {
            path: ['spec', 'swap', 'enabled'],
            detail: `a mask in ${maskDir} hides every unit directory except ${maskDir} itself and /run/systemd/generator.early; disable or remove ${u.unmaskable} (it turns swap on at boot: ${u.sources.join(', ')})`,
          }),
        ]
      : [],
  );
  if (diagnostics.length > 0) return {changes: [], diagnostics};
  const mask = units.filter((u) => !u.masked);
  const swapoff = observed.active.map((a) => a.path);
  const original: SwapOriginal = (record?.original as SwapOriginal | undefined) ?? {
    active: swapoff,
    activeUnits: units.filter((u) => !u.masked && wasActive(u, observed)).map((u) => u.unit),
    masked: units.filter((u) => u.masked).map((u) => u.unit),
  };
  const data: SwapChangeData = {
    mask: mask.map((u) => u.unit),
    swapoff,
    unmask: [],
    start: [],
    systemd: observed.systemd,
    original,
  };
  const before = {
    active: swapoff,
    atBoot: mask.map((u) => u.unit),
    masked: units.filter((u) => u.masked).map((u) => u.unit),
  };
  const after = {active: [], atBoot: [], masked: units.map((u) => u.unit)};
  const base = {
    address: swapAddress,
    kind: 'swap' as const,
    before,
    after,
    disruption: 'none' as const,
    dependsOn: [],
    inputs: digest(observed),
    data,
  };
  if (mask.length === 0 && swapoff.length === 0)
    return {
      changes: [
        {
          ...base,
          action: 'noop',
          reason:
            units.length === 0
              ? 'no swap is on, and nothing turns it on at boot'
              : `no swap is on; ${units.map((u) => u.unit).join(', ')} masked`,
        },
      ],
    };
  const details = [
    ...mask.map(
      (u) =>
        `systemctl mask ${u.unit}: link ${maskDir}/${u.unit} -> /dev/null (turns swap on at boot from ${u.sources.join(', ')})`,
    ),
    ...observed.active.map((a) => `swapoff ${a.path} (${a.type}, ${kib(a.sizeKiB)}, ${kib(a.usedKiB)} in use)`),
  ];
  const why = [
    swapoff.length > 0 ? `swap is on (${swapoff.join(', ')})` : undefined,
    mask.length > 0 ? `${mask.map((u) => u.unit).join(', ')} would turn it on at boot` : undefined,
  ].filter(Boolean);
  return {
    changes: [
      {
        ...base,
        action: record ? 'update' : 'create',
        reason: `${why.join('; ')}: off now, masked for every boot (no file cosi does not own is edited)`,
        details,
        ...(record ? {} : {original}),
      },
    ],
  };
}

/**
 * planSwapRemoval undoes what cosi did: the units it masked (still masked by its link) are unmasked, and those that
 * were on when cosi first turned swap off are started again when systemd runs. A swap turned on by hand
 * (`swapon`, no unit) is not turned on again. Pure.
 */
function planSwapRemoval(record: ManagedRecord, observed: SwapObserved): Change<SwapChangeData> {
  const original = record.original as SwapOriginal;
  const applied = (record.applied as SwapApplied | null)?.masked ?? [];
  const masks = new Set(
    observed.unitFiles.filter((f) => f.mask && f.path === `${maskDir}/${f.unit}`).map((f) => f.unit),
  );
  const unmask = applied.filter((u) => masks.has(u) && !original.masked.includes(u));
  const start = observed.systemd
    ? original.activeUnits.filter((u) => applied.includes(u) && observed.systemdUnits[u] !== 'active')
    : [];
  const details = [
    ...unmask.map((u) => `systemctl unmask ${u}: remove ${maskDir}/${u}`),
    ...start.map((u) => `systemctl start ${u}`),
  ];
  const data: SwapChangeData = {mask: [], swapoff: [], unmask, start, systemd: observed.systemd};
  const reason =
    unmask.length + start.length === 0
      ? 'no longer in the document: nothing cosi masked is still masked'
      : `no longer in the document: ${unmask.length > 0 ? `unmask ${unmask.join(', ')}` : ''}${start.length > 0 ? `${unmask.length > 0 ? ', ' : ''}turn swap on again (${start.join(', ')}), as cosi found it` : ''}`;
  return {
    address: swapAddress,
    kind: 'swap',
    action: 'delete',
    before: {active: observed.active.map((a) => a.path), masked: [...masks].sort()},
    after: {active: original.active, masked: original.masked},
    reason,
    details,
    disruption: 'none',
    dependsOn: [],
    inputs: digest(observed),
    data,
  };
}

import type {SwapObserved} from './probe.js';
import {fstabUnit, maskDir} from './probe.js';
import {swapUnitName} from './unit-name.js';

/** BootSwapUnit is a unit that activates swap at boot, where it comes from, and whether a mask stops it. */
export interface BootSwapUnit {
  readonly unit: string;
  /** Where it comes from: `/etc/fstab:12`, a unit file, a zram-generator configuration. */
  readonly sources: readonly string[];
  readonly what?: string;
  /** A link to /dev/null (or an empty file) in /etc/systemd/system masks it at every boot. */
  readonly masked: boolean;
  /** A unit file that a mask in /etc/systemd/system cannot hide (it is there itself, or in generator.early). */
  readonly unmaskable?: string;
}

/**
 * bootSwapUnits lists the units that would activate swap at the next boot: fstab entries (as the units
 * systemd-fstab-generator makes of them; `noauto` ones start only on demand and are left out), `.swap` unit files in
 * every unit directory, and zram-generator's devices (`dev-zramN.swap`). Sorted by unit. Pure.
 */
export function bootSwapUnits(observed: SwapObserved): BootSwapUnit[] {
  const units = new Map<string, {sources: string[]; what?: string}>();
  const add = (unit: string, source: string, what?: string) => {
    const entry = units.get(unit) ?? {sources: []};
    entry.sources.push(source);
    if (what && !entry.what) entry.what = what;
    units.set(unit, entry);
  };
  const noauto = new Set<string>();
  for (const entry of observed.fstab) {
    const unit = fstabUnit(entry);
    if (!unit) continue;
    if (entry.options.includes('noauto')) noauto.add(unit);
    else add(unit, `/etc/fstab:${entry.line}`, entry.node);
  }
  for (const device of observed.zram.devices)
    add(`dev-${device}.swap`, `${observed.zram.files.join(', ')} [${device}]`, `/dev/${device}`);
  for (const file of observed.unitFiles) {
    if (file.mask) continue;
    // The generator writes units for noauto entries too, without pulling them in at boot.
    if (noauto.has(file.unit) && file.path.startsWith('/run/systemd/generator/')) continue;
    add(file.unit, file.path, file.what);
  }
  return [...units.keys()].sort().map((unit) => {
    const files = observed.unitFiles.filter((f) => f.unit === unit);
    const masked = files.some((f) => f.mask && f.path === `${maskDir}/${unit}`);
    const unmaskable = files.find(
      (f) => !f.mask && (f.path === `${maskDir}/${unit}` || f.path.startsWith('/run/systemd/generator.early/')),
    )?.path;
    const {sources, what} = units.get(unit)!;
    return {unit, sources, ...(what ? {what} : {}), masked: masked && !unmaskable, ...(unmaskable ? {unmaskable} : {})};
  });
}

/** wasActive tells whether a boot unit's swap is on now: systemd says so, or /proc/swaps has its device or file. Pure. */
export function wasActive(unit: BootSwapUnit, observed: SwapObserved): boolean {
  if (observed.systemdUnits[unit.unit] === 'active') return true;
  return observed.active.some((a) => a.path === unit.what || swapUnitName(a.path) === unit.unit);
}

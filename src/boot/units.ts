import {readPackageFile} from '../package-files.js';
import {runtimeUnits} from '../resources/service/runtime-units.js';

/** unitNames are the systemd units cosi ships (SPEC §6), in systemd/ of the package. */
export const unitNames = ['cosi-apply.service', 'cosi-drift.service', 'cosi-drift.timer'] as const;

/** readUnits returns the shipped unit files by name. */
export function readUnits(): Record<(typeof unitNames)[number], string> {
  return Object.fromEntries(unitNames.map((name) => [name, readPackageFile(`systemd/${name}`)])) as Record<
    (typeof unitNames)[number],
    string
  >;
}

/**
 * runtimeDropIn orders a runtime or kubelet unit after cosi-apply.service and pulls it in, so that whenever the
 * unit starts — at first boot or after cosi installed it — the document has been applied first.
 */
export const runtimeDropIn =
  '[Unit]\n# Written by cosi: the node configuration is applied before this unit starts.\nWants=cosi-apply.service\nAfter=cosi-apply.service\n';

/** orderedUnits are the units that must start only after cosi-apply.service. */
export const orderedUnits = runtimeUnits;

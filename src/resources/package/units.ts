import type {DesiredState} from '../../config/desired-state.js';
import {runtimePackage} from '../../config/desired-state.js';
import {fullUnitName} from '../../names/unit-name.js';

/** unitFileDirs are where packages ship unit files (and where an administrator overrides them), most specific first. */
export const unitFileDirs = ['/etc/systemd/system', '/usr/lib/systemd/system', '/lib/systemd/system'] as const;

/** RunUnits are the units whose package's upgrade disrupts them: declared services and the runtime's own unit. */
export interface RunUnits {
  /** Every unit the document declares or the runtime runs, by full name, sorted. */
  readonly units: readonly string[];
  /** Units known to run a package without asking the package manager (the runtime's package runs its unit). */
  readonly known: ReadonlyMap<string, string>;
}

/** runUnits lists the units of the document whose packages' upgrades mean a restart. Pure. */
export function runUnits(desired: DesiredState): RunUnits {
  const units = new Set([...desired.services.keys()].map(fullUnitName));
  const known = new Map<string, string>();
  const engine = desired.config.spec?.runtime?.engine;
  if (engine) {
    const unit = engine === 'crio' ? 'crio.service' : 'containerd.service';
    units.add(unit);
    known.set(unit, runtimePackage(engine));
  }
  return {units: [...units].sort(), known};
}

import type {DesiredState} from '../../config/desired-state.js';
import type {InstalledPackage} from './backend.js';
import {
  parseApkVersion,
  parseConstraint,
  parseDpkgVersion,
  satisfies,
  type PackageManagerName,
  type VersionConstraint,
} from './version/index.js';

/** WantedPackage is one `install` entry with its constraint parsed for the node's manager, or the reason it cannot be. */
export type WantedPackage =
  | {readonly name: string; readonly text: string; readonly constraint: VersionConstraint}
  | {readonly name: string; readonly text: string; readonly error: string};

/**
 * wantedPackages parses every `install` constraint and checks its version against the manager's grammar (dpkg's
 * and apk's; rpm accepts any EVR text). Pure.
 */
export function wantedPackages(desired: DesiredState, manager: PackageManagerName): WantedPackage[] {
  return [...desired.packages.install].map(([name, {value}]) => {
    const parsed = parseConstraint(value);
    if (!parsed.ok) return {name, text: value, error: parsed.error};
    const constraint = parsed.value;
    if (constraint.kind === 'exact' || constraint.kind === 'atLeast') {
      const grammar =
        manager === 'apt'
          ? parseDpkgVersion(constraint.version)
          : manager === 'apk'
            ? parseApkVersion(constraint.version)
            : {ok: true as const};
      if (!grammar.ok) return {name, text: value, error: grammar.error};
    }
    return {name, text: value, constraint};
  });
}

/** isPresent tells whether the package database counts a package as installed (broken installs included). */
export function isPresent(installed: InstalledPackage | undefined): installed is InstalledPackage {
  return installed !== undefined && installed.state !== 'config-files';
}

/**
 * needsOffer tells whether planning this package needs to know what the repositories offer: when it is missing,
 * broken, below its constraint, or asked for at `latest`. A satisfied package needs no repository query. Pure.
 */
export function needsOffer(
  manager: PackageManagerName,
  constraint: VersionConstraint,
  installed: InstalledPackage | undefined,
): boolean {
  if (!isPresent(installed) || installed.state === 'broken') return true;
  return constraint.kind === 'latest' || !satisfies(manager, installed.version, constraint);
}

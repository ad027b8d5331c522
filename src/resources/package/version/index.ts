import {assertNever} from '../../../diag/cosi-error.js';
import {compareApkVersions} from './apk.js';
import type {VersionConstraint} from './constraint.js';
import {compareDpkgVersions} from './dpkg.js';
import type {Ordering} from './ordering.js';
import {compareRpmVersions} from './rpm.js';

export {compareApkVersions, parseApkVersion, type ApkVersion} from './apk.js';
export {parseConstraint, type VersionConstraint} from './constraint.js';
export {compareDpkgVersions, parseDpkgVersion, type DpkgVersion} from './dpkg.js';
export type {Ordering} from './ordering.js';
export type {ParseResult} from './parse-result.js';
export {compareRpmVersions, parseRpmEvr, type RpmEvr} from './rpm.js';

/** PackageManagerName names the package managers cosi drives; each has its own version ordering. */
export type PackageManagerName = 'apt' | 'dnf' | 'apk';

/**
 * compareVersions orders two versions by the rules of `manager`: dpkg's for apt, rpm's for dnf, apk-tools' for apk.
 * Returns -1, 0 or 1. Pure and total (validate user input with the manager's parser first).
 */
export function compareVersions(manager: PackageManagerName, a: string, b: string): Ordering {
  switch (manager) {
    case 'apt':
      return compareDpkgVersions(a, b);
    case 'dnf':
      return compareRpmVersions(a, b);
    case 'apk':
      return compareApkVersions(a, b);
    default:
      return assertNever(manager, 'package manager');
  }
}

/**
 * satisfies reports whether the installed version meets a constraint under `manager`'s ordering. `installed` is
 * undefined when the package is not installed, which satisfies nothing. `*` and `latest` accept any installed version
 * (finding the newest available is the caller's job); `exact` needs a version equal by the manager's comparison (so
 * `1:1.0` ≠ `1.0` for apt, but `1.0` matches `1.0-3` for dnf); `atLeast` needs an equal or greater one. Pure.
 */
export function satisfies(manager: PackageManagerName, installed: string | undefined, constraint: VersionConstraint): boolean {
  if (installed === undefined) return false;
  switch (constraint.kind) {
    case 'any':
    case 'latest':
      return true;
    case 'exact':
      return compareVersions(manager, installed, constraint.version) === 0;
    case 'atLeast':
      return compareVersions(manager, installed, constraint.version) >= 0;
    default:
      return assertNever(constraint, 'version constraint');
  }
}

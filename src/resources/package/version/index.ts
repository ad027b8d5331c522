import {assertNever} from './assert-never.js';
import {compareApkVersions} from './apk.js';
import type {VersionConstraint} from './constraint.js';
import {compareDpkgVersions} from './dpkg.js';
import type {Ordering} from './ordering.js';
import {compareRpmDependency, compareRpmVersions} from './rpm.js';

export {compareApkVersions, parseApkVersion, type ApkVersion} from './apk.js';
export {parseConstraint, type VersionConstraint} from './constraint.js';
export {compareDpkgVersions, parseDpkgVersion, type DpkgVersion} from './dpkg.js';
export type {Ordering} from './ordering.js';
export type {ParseResult} from './parse-result.js';
export {compareRpmDependency, compareRpmVersions, parseRpmEvr, type RpmEvr} from './rpm.js';

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
 * compareForConstraint orders an installed version against a constraint's version. Like compareVersions, except for
 * dnf, where rpm's dependency rule applies: a wanted version without a release matches every release.
 */
function compareForConstraint(manager: PackageManagerName, installed: string, wanted: string): Ordering {
  return manager === 'dnf' ? compareRpmDependency(installed, wanted) : compareVersions(manager, installed, wanted);
}

/**
 * satisfies reports whether the installed version meets a constraint under `manager`'s ordering. `installed` is
 * undefined when the package is not installed, which satisfies nothing. `*` and `latest` accept any installed version
 * (finding the newest available is the caller's job); `exact` needs a version equal by the manager's comparison
 * (`1:1.0` ≠ `1.0` for apt; for dnf a constraint without a release ignores the installed release, as rpm's
 * dependency matching does, so `1.0` matches `1.0-3.el9`); `atLeast` needs an equal or greater one. Pure.
 */
export function satisfies(
  manager: PackageManagerName,
  installed: string | undefined,
  constraint: VersionConstraint,
): boolean {
  if (installed === undefined) return false;
  switch (constraint.kind) {
    case 'any':
    case 'latest':
      return true;
    case 'exact':
      return compareForConstraint(manager, installed, constraint.version) === 0;
    case 'atLeast':
      return compareForConstraint(manager, installed, constraint.version) >= 0;
    default:
      return assertNever(constraint, 'version constraint');
  }
}

import type {Ordering} from './ordering.js';
import {rpmvercmp} from './rpm-vercmp.js';

/** RpmEvr is an rpm `[epoch:]version[-release]` split as rpm's `parseEVR()` splits it. */
export interface RpmEvr {
  /** The digits before `:`, or undefined when there is no epoch (compared as `0`). */
  readonly epoch: string | undefined;
  readonly version: string;
  /** The text after the last `-`, or undefined when there is none. */
  readonly release: string | undefined;
}

/**
 * parseRpmEvr splits `[epoch:]version[-release]` like rpm: the epoch is the leading digits when a `:` follows them
 * (an empty epoch `:1.0` reads as `0`), the release is what follows the last `-` after the epoch. It never fails;
 * rpm accepts any non-empty string here. Pure.
 */
export function parseRpmEvr(evr: string): RpmEvr {
  let s = 0;
  while (s < evr.length && evr[s]! >= '0' && evr[s]! <= '9') s++;
  const hasEpoch = evr[s] === ':';
  const epoch = hasEpoch ? evr.slice(0, s) || '0' : undefined;
  const rest = hasEpoch ? evr.slice(s + 1) : evr;
  const hyphen = rest.lastIndexOf('-');
  return hyphen >= 0
    ? {epoch, version: rest.slice(0, hyphen), release: rest.slice(hyphen + 1)}
    : {epoch, version: rest, release: undefined};
}

/**
 * compareRpmVersions orders two `[epoch:]version[-release]` strings as rpm's `rpmverCmp()` (what `rpm.vercmp`
 * returns): epochs (missing = 0), then versions, then releases, each with rpmvercmp. A missing release sorts below
 * any release, even an empty or `~` one, so `1.0` < `1.0-` and `1.0` < `1.0-~rc1`. Pure and total.
 */
export function compareRpmVersions(a: string, b: string): Ordering {
  const x = parseRpmEvr(a);
  const y = parseRpmEvr(b);
  const epochOrder = rpmvercmp(x.epoch ?? '0', y.epoch ?? '0');
  if (epochOrder !== 0) return epochOrder;
  const versionOrder = rpmvercmp(x.version, y.version);
  if (versionOrder !== 0) return versionOrder;
  if (x.release === undefined || y.release === undefined) {
    return x.release === y.release ? 0 : x.release === undefined ? -1 : 1;
  }
  return rpmvercmp(x.release, y.release);
}

/**
 * compareRpmDependency orders an installed EVR against a wanted one the way rpm matches a dependency range
 * (`rpmdsCompare`, what dnf applies to `name-1.0` and `name >= 1.0`): like compareRpmVersions, except that releases are
 * compared only when both sides have one, so a wanted `1.0` is equal to an installed `1.0-3.el9`. Pure.
 */
export function compareRpmDependency(installed: string, wanted: string): Ordering {
  const x = parseRpmEvr(installed);
  const y = parseRpmEvr(wanted);
  if (x.release === undefined || y.release === undefined) {
    return compareRpmVersions(withoutRelease(x), withoutRelease(y));
  }
  return compareRpmVersions(installed, wanted);
}

function withoutRelease(evr: RpmEvr): string {
  return `${evr.epoch === undefined ? '' : `${evr.epoch}:`}${evr.version}`;
}

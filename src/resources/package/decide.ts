import type {InstalledPackage, Offer} from './backend.js';
import {compareVersions, satisfies, type PackageManagerName, type VersionConstraint} from './version/index.js';
import {isPresent} from './wanted.js';

/** Direction says what an install does to a present package. */
export type Direction = 'install' | 'upgrade' | 'downgrade' | 'reinstall';

/** Decision is the plan for one `install` entry: nothing, a change to exactly `target`, or a plan error. */
export type Decision =
  | {readonly kind: 'noop'; readonly reason: string}
  | {readonly kind: 'change'; readonly target: string; readonly direction: Direction; readonly reason: string}
  | {readonly kind: 'error'; readonly summary: string};

/** DecideRequest is one package to decide: its constraint, its row in the package database, and what is on offer. */
export interface DecideRequest {
  readonly manager: PackageManagerName;
  readonly name: string;
  readonly text: string;
  readonly constraint: VersionConstraint;
  readonly installed: InstalledPackage | undefined;
  /** undefined: not queried (the package is satisfied); null: the manager knows no such package. */
  readonly offer: Offer | null | undefined;
}

/**
 * decidePackage chooses what to do with one package. A present package that meets its constraint is left alone
 * (for `latest`: when nothing newer is on offer). Otherwise the target is an exact version on offer: for `*` and
 * `latest` the manager's candidate; for `>= V` the candidate when it is high enough, else the newest on offer that
 * is; for an exact version the newest offered version equal to it (by the manager's rules: for dnf, `1.0` matches
 * `1.0-3.el9`). No such version is an error naming the versions on offer. Pure.
 */
export function decidePackage(request: DecideRequest): Decision {
  const {manager, name, text, constraint, installed, offer} = request;
  const present = isPresent(installed) && installed.state !== 'broken';
  if (present && constraint.kind !== 'latest' && satisfies(manager, installed.version, constraint)) {
    return {kind: 'noop', reason: `installed ${installed.version} satisfies ${JSON.stringify(text)}`};
  }
  if (offer === undefined || offer === null) {
    return {
      kind: 'error',
      summary: `package ${name} is unknown to ${manager}: no configured repository offers it (check the name, and that the package indexes are up to date)`,
    };
  }
  const newestFirst = [...offer.versions].sort((a, b) => compareVersions(manager, b, a));
  const onOffer =
    newestFirst.length === 0
      ? 'no version at all'
      : `${newestFirst.slice(0, 12).join(', ')}${newestFirst.length > 12 ? `, … (${newestFirst.length} in all)` : ''}`;
  const target = chooseTarget(manager, constraint, offer, newestFirst);
  if (target === undefined) {
    return {
      kind: 'error',
      summary: `package ${name}: no configured repository offers a version matching ${JSON.stringify(text)}; on offer: ${onOffer}`,
    };
  }
  if (!isPresent(installed))
    return {
      kind: 'change',
      target,
      direction: 'install',
      reason: `not installed; ${describe(constraint, text)} -> install ${target}`,
    };
  const order = compareVersions(manager, target, installed.version);
  if (constraint.kind === 'latest' && installed.state !== 'broken' && order <= 0) {
    return {
      kind: 'noop',
      reason: `installed ${installed.version} is the newest on offer${order < 0 ? ` (the repositories offer ${target})` : ''}`,
    };
  }
  const direction: Direction = order > 0 ? 'upgrade' : order < 0 ? 'downgrade' : 'reinstall';
  const why =
    installed.state === 'broken'
      ? `installed ${installed.version} is not fully installed (dpkg/rpm reports it broken)`
      : `installed ${installed.version} does not satisfy ${JSON.stringify(text)}`;
  return {
    kind: 'change',
    target,
    direction,
    reason: `${why} -> ${direction} ${direction === 'reinstall' ? target : `from ${installed.version} to ${target}`}`,
  };
}

function chooseTarget(
  manager: PackageManagerName,
  constraint: VersionConstraint,
  offer: Offer,
  newestFirst: readonly string[],
): string | undefined {
  switch (constraint.kind) {
    case 'any':
    case 'latest':
      return offer.candidate ?? newestFirst[0];
    case 'atLeast':
      if (offer.candidate !== undefined && satisfies(manager, offer.candidate, constraint)) return offer.candidate;
      return newestFirst.find((v) => satisfies(manager, v, constraint));
    case 'exact':
      return newestFirst.find((v) => satisfies(manager, v, constraint));
  }
}

function describe(constraint: VersionConstraint, text: string): string {
  switch (constraint.kind) {
    case 'any':
      return 'any version will do';
    case 'latest':
      return 'the newest on offer is wanted';
    case 'atLeast':
    case 'exact':
      return `${JSON.stringify(text)} is wanted`;
  }
}

import type {ProbeRequest} from '../../engine/provider.js';
import {managedOfKind} from '../../engine/state.js';
import {describeFailure, type CommandRequest, type CommandResult} from '../../host/command.js';
import type {Host} from '../../host/host.js';
import type {InstalledPackage, Offer, PackageBackend} from './backend.js';
import {detectManager} from './detect.js';
import {runUnits, unitFileDirs} from './units.js';
import type {PackageManagerName} from './version/index.js';
import {isPresent, needsOffer, wantedPackages} from './wanted.js';

/** PackageObserved is the probed package state, restricted to the packages the document names or cosi manages. */
export interface PackageObserved {
  /** The node's manager, or undefined with `problem` saying why there is none (or nothing to probe: both undefined). */
  readonly manager?: PackageManagerName;
  readonly problem?: string;
  /** How many packages are installed in all. */
  readonly count: number;
  /** The package database's rows for the relevant names (absent: not installed). */
  readonly installed: Readonly<Record<string, InstalledPackage>>;
  /** What the repositories offer, for the names whose plan needs it; null: the manager knows no such package. */
  readonly offers: Readonly<Record<string, Offer | null>>;
  /** The package each declared unit (or the runtime's unit) comes from, where known. */
  readonly unitPackages: Readonly<Record<string, string>>;
  /** What a dry run of the removals would remove besides the packages listed under `remove`. */
  readonly removalExtras: readonly string[];
}

/** emptyObserved is the observation of a document without packages on a node where cosi manages none. */
const emptyObserved: PackageObserved = {count: 0, installed: {}, offers: {}, unitPackages: {}, removalExtras: []};

/**
 * probePackages reads the node's packages in batches: one query for every installed package, then — only when
 * needed — one repository query for all the names whose plan depends on what is on offer, one owner query for the
 * declared units' files, and one dry run of the removals. At most one process per query, never one per package.
 * Read-only. A failing query throws (the engine reports it as a failed probe); a missing manager is `problem`.
 */
export async function probePackages({host, desired, state}: ProbeRequest): Promise<PackageObserved> {
  const managed = managedOfKind(state, 'package').map(([addr]) => addr.slice('package.'.length));
  if (desired.packages.install.size === 0 && desired.packages.remove.size === 0 && managed.length === 0)
    return emptyObserved;
  const detection = await detectManager(host, desired.packages.manager);
  if ('problem' in detection) return {...emptyObserved, problem: detection.problem};
  const {backend} = detection;

  const all = backend.parseInstalled(await query(host, backend, backend.installedQuery()));
  const byName = new Map(all.map((p) => [p.name, p]));
  const relevant = new Set([...desired.packages.install.keys(), ...desired.packages.remove.keys(), ...managed]);
  const installed: Record<string, InstalledPackage> = {};
  for (const name of [...relevant].sort()) if (byName.has(name)) installed[name] = byName.get(name)!;

  const offerNames = wantedPackages(desired, backend.manager)
    .filter((w) => 'constraint' in w && needsOffer(backend.manager, w.constraint, byName.get(w.name)))
    .map((w) => w.name);
  const toRemove = [...desired.packages.remove.keys()].filter((name) => isPresent(byName.get(name)));
  const upgradable = offerNames.filter((name) => isPresent(byName.get(name)));

  const [offers, unitPackages, removalExtras] = await Promise.all([
    readOffers(host, backend, offerNames),
    upgradable.length > 0 ? readUnitPackages(host, backend, desired) : {},
    toRemove.length > 0 ? readRemovalExtras(host, backend, toRemove, desired.packages.remove) : [],
  ]);
  return {
    manager: backend.manager,
    count: all.filter(isPresent).length,
    installed,
    offers,
    unitPackages,
    removalExtras,
  };
}

async function query(
  host: Host,
  backend: PackageBackend,
  request: CommandRequest,
  okCodes: readonly number[] = [0],
): Promise<string> {
  const result: CommandResult = await host.run(request);
  if (!result.started || result.timedOut || !okCodes.includes(result.exitCode)) {
    throw new Error(`${backend.tools}: ${describeFailure(request, result)}`);
  }
  return result.stdout;
}

async function readOffers(
  host: Host,
  backend: PackageBackend,
  names: readonly string[],
): Promise<Record<string, Offer | null>> {
  if (names.length === 0) return {};
  const parsed = backend.parseOffers(await query(host, backend, backend.offersQuery(names)));
  return Object.fromEntries(names.map((name) => [name, parsed.get(name) ?? null]));
}

async function readUnitPackages(
  host: Host,
  backend: PackageBackend,
  desired: ProbeRequest['desired'],
): Promise<Record<string, string>> {
  const {units, known} = runUnits(desired);
  const out: Record<string, string> = Object.fromEntries(known);
  const pathsOf = new Map<string, string[]>();
  for (const unit of units) {
    for (const dir of unitFileDirs) {
      const stats = await host.lstat(`${dir}/${unit}`);
      if (stats?.isFile()) pathsOf.set(unit, [...(pathsOf.get(unit) ?? []), `${dir}/${unit}`]);
    }
  }
  const paths = [...pathsOf.values()].flat();
  if (paths.length === 0) return out;
  // Paths nobody owns make these queries exit 1 (dpkg-query -S, rpm -qf): that is an answer, not a failure.
  const owners = backend.parseOwners(await query(host, backend, backend.ownersQuery(paths), [0, 1]), paths);
  for (const [unit, unitPaths] of pathsOf) {
    const owner = unitPaths.map((p) => owners.get(p)).find(Boolean);
    if (owner && out[unit] === undefined) out[unit] = owner;
  }
  return out;
}

async function readRemovalExtras(
  host: Host,
  backend: PackageBackend,
  names: readonly string[],
  listed: ReadonlyMap<string, unknown>,
): Promise<string[]> {
  // dnf's dry run answers "no" and exits 1 by design.
  const removed = backend.parseRemovalSimulation(await query(host, backend, backend.removalSimulation(names), [0, 1]));
  return [...new Set(removed.filter((name) => !listed.has(name)))].sort();
}

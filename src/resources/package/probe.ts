import type {ProbeRequest} from '../../engine/provider.js';
import {managedOfKind} from '../../engine/state.js';
import {describeFailure, withEnv, type CommandRequest, type CommandResult} from '../../host/command.js';
import type {Host} from '../../host/host.js';
import type {InstalledPackage, Offer, PackageBackend} from './backend.js';
import {detectManager} from './detect.js';
import {runUnits, unitFileDirs} from './units.js';
import {isStale, probeLists, type ListsState} from './lists.js';
import {installItems, owedRestarts, simulate, type TransactionPreview} from './probe-transaction.js';
import type {PreviewStep} from './transaction-preview.js';
import type {PackageManagerName} from './version/index.js';
import {packageTransactionOptions} from './apply.js';
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
  /** The lists' age (or that they are missing); absent when nothing was probed. */
  readonly lists?: ListsState;
  /** True when offers and previews come from a private refresh of the lists (the plan refreshes the node's first). */
  readonly listsView?: boolean;
  /** The resolver's answer for the install transaction the plan makes, when the manager can say. */
  readonly preview?: TransactionPreview;
  /** The resolver's answer for the removal transaction. */
  readonly removalSteps?: readonly PreviewStep[];
  /** Per package the transaction changes in place: the units it owes restarts of (see `owedRestarts`). */
  readonly restarts?: Readonly<Record<string, readonly string[]>>;
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

  const lists = await probeLists(host, backend.lists, Date.now());
  const {refresh} = desired.packages;
  const view =
    refresh !== 'never' && isStale(lists, refresh.maxAgeSeconds) && offerNames.length > 0 && backend.listsView
      ? await prepareListsView(host, backend)
      : undefined;

  const [offers, unitPackages, removal] = await Promise.all([
    readOffers(host, backend, offerNames, view),
    upgradable.length > 0 ? readUnitPackages(host, backend, desired) : {},
    toRemove.length > 0 ? readRemoval(host, backend, toRemove, desired.packages.remove, view) : undefined,
  ]);
  const items = installItems(desired, backend, byName, offers);
  const steps = items.length > 0 ? await simulate(host, backend, backend.installSimulation?.(items), view) : undefined;
  const restarts = await owedRestarts(host, backend, steps ?? [], desired.packages.restartServices);
  return {
    manager: backend.manager,
    count: all.filter(isPresent).length,
    installed,
    offers,
    unitPackages,
    removalExtras: removal?.extras ?? [],
    lists,
    ...(view ? {listsView: true} : {}),
    ...(steps ? {preview: {items, steps}} : {}),
    ...(removal?.steps ? {removalSteps: removal.steps} : {}),
    restarts,
  };
}

/**
 * prepareListsView refreshes the manager's private lists for the plan (see `PackageBackend.listsView`) and returns
 * the environment that makes queries read them. A refresh that fails fails the probe, naming the command.
 */
async function prepareListsView(host: Host, backend: PackageBackend): Promise<Record<string, string>> {
  const view = backend.listsView!;
  await host.ensureDir(`${view.dir}/lists/partial`, 0o755);
  for (const [path, content] of Object.entries(view.files(view.dir))) await host.writeAtomic(path, content);
  await query(host, backend, view.refresh(view.dir, packageTransactionOptions));
  return view.env(view.dir);
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
  env: Readonly<Record<string, string>> | undefined,
): Promise<Record<string, Offer | null>> {
  if (names.length === 0) return {};
  const request = backend.offersQuery(names);
  const parsed = backend.parseOffers(await query(host, backend, withEnv(request, env)));
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

async function readRemoval(
  host: Host,
  backend: PackageBackend,
  names: readonly string[],
  listed: ReadonlyMap<string, unknown>,
  env: Readonly<Record<string, string>> | undefined,
): Promise<{extras: string[]; steps?: PreviewStep[]}> {
  const request = backend.removalSimulation(names);
  // dnf's dry run answers "no" and exits 1 by design.
  const stdout = await query(host, backend, withEnv(request, env), [0, 1]);
  const removed = backend.parseRemovalSimulation(stdout);
  const extras = [...new Set(removed.filter((name) => !listed.has(name)))].sort();
  return backend.parseSimulation ? {extras, steps: backend.parseSimulation(stdout)} : {extras};
}

import type {CommandRequest, CommandResult} from '../../host/command.js';
import type {Leftover} from '../../engine/provider.js';
import type {Host} from '../../host/host.js';
import type {ListsLayout} from './lists.js';
import type {PreviewStep} from './transaction-preview.js';
import type {PackageManagerName} from './version/index.js';

/**
 * InstalledState is what the package database says about one package: `installed` (usable), `config-files` (removed,
 * its configuration kept: counts as not installed), or `broken` (half-installed, half-configured, or flagged for
 * reinstallation: counts as installed at that version, and a transaction that names it repairs it).
 */
export type InstalledState = 'installed' | 'config-files' | 'broken';

/** InstalledPackage is one row of the installed-package query. `held` is an administrator's hold (`apt-mark hold`). */
export interface InstalledPackage {
  readonly name: string;
  readonly version: string;
  readonly state: InstalledState;
  readonly held: boolean;
}

/**
 * Offer is what the configured repositories offer for one package: every version on offer (repository versions only,
 * never the copy in the package database), and the manager's own candidate (the one it would install for the bare
 * name, honouring pins and priorities), undefined when it would install none.
 */
export interface Offer {
  readonly versions: readonly string[];
  readonly candidate?: string;
}

/** TransactionItem is one package a transaction installs, at exactly `version`. */
export interface TransactionItem {
  readonly name: string;
  readonly version: string;
}

/** TransactionOptions bound how long a transaction waits for the package manager's lock. */
export interface TransactionOptions {
  readonly lockTimeoutSeconds: number;
}

/**
 * PackageBackend is the contract every package manager module implements. It only builds commands and parses their
 * output; probing, planning and applying are shared. Every query covers all packages at once (never one process per
 * package), and every parser is pure and total: text it does not understand is skipped, not thrown at.
 */
export interface PackageBackend {
  readonly manager: PackageManagerName;
  /** The tools, for messages and facts (`apt/dpkg`). */
  readonly tools: string;
  /** Node paths whose presence means the manager is usable (all must exist). */
  readonly markers: readonly string[];
  /** The one query listing every installed package with its version. */
  installedQuery(): CommandRequest;
  parseInstalled(stdout: string): InstalledPackage[];
  /** The one query listing what the repositories offer for `names`. */
  offersQuery(names: readonly string[]): CommandRequest;
  /** parseOffers returns an entry for each name the manager knows of; unknown names are absent. */
  parseOffers(stdout: string): Map<string, Offer>;
  /** The one query telling which package owns each of `paths` (unit files), all of which exist. */
  ownersQuery(paths: readonly string[]): CommandRequest;
  /** parseOwners maps each owned path to its package name. */
  parseOwners(stdout: string, paths: readonly string[]): Map<string, string>;
  /** A dry run of removing `names` (read-only), to find what else the manager would remove with them. */
  removalSimulation(names: readonly string[]): CommandRequest;
  /** parseRemovalSimulation returns every package name the dry run would remove. */
  parseRemovalSimulation(stdout: string): string[];
  /** The one transaction that installs, upgrades and downgrades `items` to exactly their versions. */
  installTransaction(items: readonly TransactionItem[], options: TransactionOptions): CommandRequest;
  /** The one transaction that removes `names`. */
  removeTransaction(names: readonly string[], options: TransactionOptions): CommandRequest;
  /**
   * around wraps a transaction in the manager's safeguards (apt: a policy-rc.d that keeps services from starting);
   * it must undo them whatever `body` does.
   */
  around?<T>(host: Host, body: () => Promise<T>): Promise<T>;
  /** leftovers finds the safeguards of `around` that an interrupted transaction left (read-only). */
  leftovers?(host: Host): Promise<Leftover[]>;
  /** Where the manager keeps its lists and how their age shows (see {@link ListsLayout}). */
  readonly lists: ListsLayout;
  /** The manager's own refresh of its lists (`apt-get update`, `dnf makecache`, `apk update`). */
  refreshCommand(options: TransactionOptions): CommandRequest;
  /**
   * refreshStamp is the file whose time says when the lists were last refreshed successfully (apt:
   * `/var/lib/apt/periodic/update-success-stamp`, which apt's daily job also writes), written after cosi's refresh.
   */
  readonly refreshStamp?: string;
  /**
   * listsView lets a plan see what a refresh would bring without touching the node's own lists: a private lists
   * directory (`dir`, cosi's, under /run/cosi) refreshed there, and the environment that makes every query read it.
   */
  readonly listsView?: {
    readonly dir: string;
    /** The files to write before the refresh (apt: a configuration file), path -> content. */
    files(dir: string): Record<string, string>;
    env(dir: string): Record<string, string>;
    refresh(dir: string, options: TransactionOptions): CommandRequest;
  };
  /**
   * installSimulation is a dry run of the install transaction of `items` (read-only): the resolver's own answer,
   * dependencies included, read by `parseSimulation` (which also reads `removalSimulation`'s output).
   */
  installSimulation?(items: readonly TransactionItem[]): CommandRequest;
  parseSimulation?(stdout: string): PreviewStep[];
  /** readFileLists returns the files each installed package of `names` owns, from the manager's database (read-only). */
  readFileLists?(host: Host, names: readonly string[]): Promise<Map<string, string[]>>;
  /**
   * takeHeldRestarts returns the units whose starts the safeguards of `around` held during the transaction just run
   * (apt: what cosi's policy-rc.d recorded), and clears the record.
   */
  takeHeldRestarts?(host: Host): Promise<string[]>;
  /** lockProblem recognizes a failure caused by another process holding the manager's lock, and says so. */
  lockProblem(result: CommandResult, options: TransactionOptions): string | undefined;
}

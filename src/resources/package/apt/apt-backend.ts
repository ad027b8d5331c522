import type {CommandResult} from '../../../host/command.js';
import type {PackageBackend, TransactionOptions} from '../backend.js';
import {parseAptCachePolicy, parseAptSimulation} from './apt-cache-policy.js';
import {dpkgQueryFormat, parseDpkgQuery, parseDpkgSearch} from './dpkg-query.js';
import {readDpkgFileLists} from './dpkg-file-lists.js';
import {aptListsView} from './apt-lists-view.js';
import {parseAptTransactionSimulation} from './apt-transaction-simulation.js';
import {policyRcDLeftovers, takeHeldRestarts, withPolicyRcD} from './policy-rc-d.js';

const noninteractive = {DEBIAN_FRONTEND: 'noninteractive', APT_LISTCHANGES_FRONTEND: 'none'};

/** lockOptions make apt wait for dpkg's frontend lock a bounded time instead of failing at once. */
function lockOptions({lockTimeoutSeconds}: TransactionOptions): string[] {
  return ['-o', `DPkg::Lock::Timeout=${lockTimeoutSeconds}`];
}

/** transactionTimeoutMs bounds a whole transaction: the lock wait plus half an hour of downloading and unpacking. */
function transactionTimeoutMs(options: TransactionOptions): number {
  return (options.lockTimeoutSeconds + 1800) * 1000;
}

/**
 * aptBackend drives Debian's apt and dpkg: `dpkg-query -W` for the installed packages, `apt-cache policy` for what
 * the repositories offer (from the node's lists, or with `packages.refresh` over stale lists from a private refresh: `aptListsView`), `apt-get update` as the refresh, `apt-get -s` dry runs for the resolver's answer, `dpkg-query -S`
 * for unit file owners, and `apt-get` for transactions: non-interactive, no recommends, downgrades allowed, existing
 * configuration files kept, and `--no-remove` on installs so that a conflict can never uninstall a package the
 * document did not name.
 */
export const aptBackend: PackageBackend = {
  manager: 'apt',
  tools: 'apt/dpkg',
  markers: ['/usr/bin/dpkg-query', '/usr/bin/apt-get'],
  installedQuery: () => ({argv: ['dpkg-query', '-W', '-f', dpkgQueryFormat]}),
  parseInstalled: parseDpkgQuery,
  offersQuery: (names) => ({argv: ['apt-cache', 'policy', ...names]}),
  parseOffers: parseAptCachePolicy,
  ownersQuery: (paths) => ({argv: ['dpkg-query', '-S', ...paths]}),
  parseOwners: (stdout) => parseDpkgSearch(stdout),
  removalSimulation: (names) => ({argv: ['apt-get', '-s', 'remove', ...names]}),
  parseRemovalSimulation: parseAptSimulation,
  installTransaction: (items, options) => ({
    argv: [
      'apt-get',
      'install',
      '-y',
      '--no-install-recommends',
      '--allow-downgrades',
      '--no-remove',
      ...lockOptions(options),
      '-o',
      'Dpkg::Options::=--force-confdef',
      '-o',
      'Dpkg::Options::=--force-confold',
      ...items.map((item) => `${item.name}=${item.version}`),
    ],
    env: noninteractive,
    timeoutMs: transactionTimeoutMs(options),
  }),
  removeTransaction: (names, options) => ({
    argv: ['apt-get', 'remove', '-y', ...lockOptions(options), ...names],
    env: noninteractive,
    timeoutMs: transactionTimeoutMs(options),
  }),
  lists: {
    dir: '/var/lib/apt/lists',
    index: /_Packages(\.(gz|xz|lz4|zst|bz2))?$/,
    stamps: ['/var/lib/apt/periodic/update-success-stamp', '/var/lib/apt/lists', '/var/lib/apt/lists/partial'],
  },
  refreshCommand: (options) => ({
    argv: ['apt-get', 'update', ...lockOptions(options)],
    env: noninteractive,
    timeoutMs: transactionTimeoutMs(options),
  }),
  refreshStamp: '/var/lib/apt/periodic/update-success-stamp',
  listsView: aptListsView,
  installSimulation: (items) => ({
    argv: [
      'apt-get',
      '-s',
      'install',
      '--no-install-recommends',
      '--allow-downgrades',
      '--no-remove',
      ...items.map((item) => `${item.name}=${item.version}`),
    ],
  }),
  parseSimulation: parseAptTransactionSimulation,
  readFileLists: readDpkgFileLists,
  takeHeldRestarts,
  around: withPolicyRcD,
  leftovers: policyRcDLeftovers,
  lockProblem: (result: CommandResult, options) =>
    /Could not get lock|Unable to acquire the dpkg frontend lock|Unable to lock the administration directory/.test(
      result.stderr,
    )
      ? `another process held dpkg's lock (/var/lib/dpkg/lock-frontend) for more than ${options.lockTimeoutSeconds} s (a running apt, unattended-upgrades or dpkg); nothing was changed`
      : undefined,
};

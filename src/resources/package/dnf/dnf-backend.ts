import type {PackageBackend, TransactionOptions} from '../backend.js';
import {parseDnfRemoval, parseDnfRepoquery, repoqueryFormat} from './dnf-repoquery.js';
import {parseRpmOwners, parseRpmQuery, rpmQueryFormat} from './rpm-query.js';

function timeoutMs(options: TransactionOptions): number {
  return (options.lockTimeoutSeconds + 1800) * 1000;
}

/**
 * dnfBackend drives dnf and rpm (Fedora, RHEL and its rebuilds): `rpm -qa` for the installed packages, `dnf
 * repoquery --available` for what the repositories offer (dnf refreshes expired metadata itself), `rpm -qf` for unit
 * file owners, and `dnf install -y NAME-[EPOCH:]VERSION-RELEASE…` for installs, which installs exactly that version
 * whether it is newer or older than the installed one; `dnf remove --noautoremove` so that dnf takes no unused
 * dependencies along. dnf waits for its own lock without a bound, so the transaction's process time is bounded.
 */
export const dnfBackend: PackageBackend = {
  manager: 'dnf',
  tools: 'dnf/rpm',
  lists: {
    dir: '/var/cache/dnf',
    index: /^.+-[0-9a-f]{16}$|\.solv$/,
    stamps: ['/var/cache/dnf/last_makecache', '/var/cache/dnf'],
  },
  refreshCommand: () => ({argv: ['dnf', 'makecache', '--quiet'], timeoutMs: 1_800_000}),
  markers: ['/usr/bin/rpm', '/usr/bin/dnf'],
  installedQuery: () => ({argv: ['rpm', '-qa', '--queryformat', rpmQueryFormat]}),
  parseInstalled: parseRpmQuery,
  offersQuery: (names) => ({
    argv: ['dnf', 'repoquery', '--quiet', '--available', '--queryformat', repoqueryFormat, ...names],
  }),
  parseOffers: parseDnfRepoquery,
  ownersQuery: (paths) => ({argv: ['rpm', '-qf', '--queryformat', '%{NAME}\\n', ...paths]}),
  parseOwners: parseRpmOwners,
  removalSimulation: (names) => ({argv: ['dnf', 'remove', '--assumeno', '--noautoremove', ...names]}),
  parseRemovalSimulation: parseDnfRemoval,
  installTransaction: (items, options) => ({
    argv: [
      'dnf',
      'install',
      '-y',
      '--setopt=install_weak_deps=False',
      ...items.map((item) => `${item.name}-${item.version}`),
    ],
    timeoutMs: timeoutMs(options),
  }),
  removeTransaction: (names, options) => ({
    argv: ['dnf', 'remove', '-y', '--noautoremove', ...names],
    timeoutMs: timeoutMs(options),
  }),
  lockProblem: (result, options) =>
    result.timedOut || /Waiting for process with pid/.test(result.stdout + result.stderr)
      ? `dnf did not finish within ${options.lockTimeoutSeconds + 1800} s; another dnf or rpm process may hold its lock`
      : undefined,
};

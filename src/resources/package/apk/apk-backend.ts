import type {PackageBackend, TransactionOptions} from '../backend.js';
import {parseApkDelSimulation, parseApkInfo, parseApkPolicy, parseApkWhoOwns} from './apk-info.js';

function lockWait(options: TransactionOptions): string[] {
  return ['--wait', String(options.lockTimeoutSeconds)];
}

/**
 * apkBackend drives Alpine's apk-tools: `apk info -v` for the installed packages, `apk policy` for what the
 * repositories offer, `apk info --who-owns` for unit file owners (Alpine runs OpenRC, so this rarely finds any), and
 * `apk add NAME=VERSION…` / `apk del` for transactions, waiting for apk's lock with `--wait`. `apk add NAME=VERSION`
 * records the exact version in /etc/apk/world, which is what pinning means on Alpine. Tested on recorded output
 * only: apk is not available where cosi's end-to-end tests run.
 */
export const apkBackend: PackageBackend = {
  manager: 'apk',
  tools: 'apk',
  lists: {dir: '/var/cache/apk', index: /^APKINDEX\..+\.tar\.gz$/, stamps: ['/var/cache/apk']},
  refreshCommand: (options) => ({argv: ['apk', 'update', ...lockWait(options)], timeoutMs: 1_800_000}),
  markers: ['/sbin/apk'],
  installedQuery: () => ({argv: ['apk', 'info', '-v']}),
  parseInstalled: parseApkInfo,
  offersQuery: (names) => ({argv: ['apk', 'policy', ...names]}),
  parseOffers: parseApkPolicy,
  ownersQuery: (paths) => ({argv: ['apk', 'info', '--who-owns', ...paths]}),
  parseOwners: parseApkWhoOwns,
  removalSimulation: (names) => ({argv: ['apk', 'del', '-s', ...names]}),
  parseRemovalSimulation: parseApkDelSimulation,
  installTransaction: (items, options) => ({
    argv: ['apk', 'add', ...lockWait(options), ...items.map((item) => `${item.name}=${item.version}`)],
    timeoutMs: (options.lockTimeoutSeconds + 1800) * 1000,
  }),
  removeTransaction: (names, options) => ({
    argv: ['apk', 'del', ...lockWait(options), ...names],
    timeoutMs: (options.lockTimeoutSeconds + 1800) * 1000,
  }),
  lockProblem: (result, options) =>
    /Unable to lock database|temporarily unavailable/i.test(result.stderr)
      ? `another apk process held /lib/apk/db/lock for more than ${options.lockTimeoutSeconds} s; nothing was changed`
      : undefined,
};

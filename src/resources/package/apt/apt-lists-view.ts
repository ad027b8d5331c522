import type {PackageBackend} from '../backend.js';

/**
 * aptListsView is apt's private lists for plans: `apt-get update` into `<dir>/lists` under a configuration file
 * (`APT_CONFIG`, read besides /etc/apt/apt.conf.d) that also keeps apt from writing its binary caches, so the
 * node's lists, caches and package database stay as they are while a plan sees what a refresh would bring.
 */
export const aptListsView: NonNullable<PackageBackend['listsView']> = {
  dir: '/run/cosi/apt-lists',
  files: (dir) => ({
    [`${dir}/apt.conf`]: [
      `Dir::State::Lists "${dir}/lists/";`,
      'Dir::Cache::pkgcache "";',
      'Dir::Cache::srcpkgcache "";',
      '',
    ].join('\n'),
  }),
  env: (dir) => ({APT_CONFIG: `${dir}/apt.conf`, DEBIAN_FRONTEND: 'noninteractive'}),
  refresh: (dir, {lockTimeoutSeconds}) => ({
    argv: ['apt-get', 'update', '-o', `DPkg::Lock::Timeout=${lockTimeoutSeconds}`],
    env: {APT_CONFIG: `${dir}/apt.conf`, DEBIAN_FRONTEND: 'noninteractive'},
    timeoutMs: (lockTimeoutSeconds + 600) * 1000,
  }),
};

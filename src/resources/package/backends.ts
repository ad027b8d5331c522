import {apkBackend} from './apk/apk-backend.js';
import {aptBackend} from './apt/apt-backend.js';
import type {PackageBackend} from './backend.js';
import {dnfBackend} from './dnf/dnf-backend.js';
import type {PackageManagerName} from './version/index.js';

/** backends maps each package manager cosi drives to its module. */
export const backends: Readonly<Record<PackageManagerName, PackageBackend>> = {
  apt: aptBackend,
  dnf: dnfBackend,
  apk: apkBackend,
};

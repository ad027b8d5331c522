import type {DocumentCheck} from '../config/check-rules.js';
import type {Provider} from '../engine/provider.js';
import {apparmorProvider} from './apparmor/provider.js';
import {cniNetworkProvider, cniPluginProvider} from './cni/provider.js';
import {csiProvider} from './csi/provider.js';
import {groupProvider} from './group/provider.js';
import {kernelArgsProvider} from './kernel-args/provider.js';
import {moduleProvider} from './module/provider.js';
import {packageProvider} from './package/provider.js';
import {runtimeProvider} from './runtime/provider.js';
import {seccompProvider} from './seccomp/provider.js';
import {serviceProvider} from './service/provider.js';
import {swapProvider} from './swap/provider.js';
import {sysctlProvider} from './sysctl/provider.js';

/**
 * providers is the one place resource kinds are registered. The engine probes, plans and applies through these
 * only; a document section that no provider covers is reported as not supported yet.
 */
export const providers: readonly Provider[] = [
  packageProvider,
  groupProvider,
  swapProvider,
  moduleProvider,
  sysctlProvider,
  runtimeProvider,
  cniPluginProvider,
  cniNetworkProvider,
  seccompProvider,
  serviceProvider,
  csiProvider,
  kernelArgsProvider,
  apparmorProvider,
];

/** documentSections are the spec sections a document may have, for reporting unsupported ones. */
export const documentSections = [
  'packages',
  'groups',
  'swap',
  'modules',
  'sysctls',
  'services',
  'runtime',
  'cni',
  'csi',
  'seccomp',
  'kernel',
  'apparmor',
] as const;

/** documentChecks are the registered kinds' own document rules (`Provider.check`), for loading a document. */
export const documentChecks: readonly DocumentCheck[] = providers.flatMap((p) => (p.check ? [p.check] : []));

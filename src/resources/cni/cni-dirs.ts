import type {NodeConfig} from '../../config/generated/types.js';
import {engineProfiles} from '../runtime/engines.js';
import {lookup} from '../runtime/settings-leaves.js';

/** defaultBinDirs are where distributions put CNI plugins: upstream/kubeadm, Debian/Ubuntu, Fedora/RHEL. */
export const defaultBinDirs = ['/opt/cni/bin', '/usr/lib/cni', '/usr/libexec/cni'] as const;

/** defaultConfDir is where runtimes look for network configurations unless told otherwise. */
export const defaultConfDir = '/etc/cni/net.d';

/** pluginPackages: the distribution package that ships the reference plugins, the directory it installs into and what it ships. */
export const pluginPackage = {
  name: 'containernetworking-plugins',
  dirs: ['/usr/lib/cni', '/usr/libexec/cni'],
  binaries: [
    'bandwidth',
    'bridge',
    'dhcp',
    'dummy',
    'firewall',
    'host-device',
    'host-local',
    'ipvlan',
    'loopback',
    'macvlan',
    'portmap',
    'ptp',
    'sbr',
    'static',
    'tap',
    'tuning',
    'vlan',
    'vrf',
  ],
} as const;

/** RuntimeCniDirs are the CNI directories the runtime is configured with (its file, overridden by `settings`). */
export interface RuntimeCniDirs {
  readonly binDirs?: readonly string[];
  readonly confDir?: string;
}

const containerdCni = [
  ['plugins', 'io.containerd.grpc.v1.cri', 'cni'],
  ['plugins', 'io.containerd.cri.v1.runtime', 'cni'],
  ['plugins', 'cri', 'cni'],
];

/**
 * runtimeCniDirs reads the runtime's CNI directories from its parsed configuration, with the document's `settings`
 * taking precedence (they are what the file holds after apply): containerd's `cni.bin_dir`/`bin_dirs`/`conf_dir`,
 * CRI-O's `crio.network.plugin_dirs`/`network_dir`. Pure.
 */
export function runtimeCniDirs(spec: NodeConfig['spec'], file: Record<string, unknown> | undefined): RuntimeCniDirs {
  const runtime = spec?.runtime;
  if (!runtime) return {};
  const layers = [runtime.settings ?? {}, file ?? {}];
  const first = (paths: string[][]) => {
    for (const layer of layers)
      for (const path of paths) {
        const value = lookup(layer, path);
        if (value !== undefined && value !== '' && !(Array.isArray(value) && value.length === 0)) return value;
      }
    return undefined;
  };
  const strings = (value: unknown) =>
    typeof value === 'string'
      ? [value]
      : Array.isArray(value)
        ? value.filter((v): v is string => typeof v === 'string')
        : undefined;
  const trim = (dir: string) => (dir.length > 1 ? dir.replace(/\/+$/, '') : dir);
  if (runtime.engine === 'crio') {
    const bin = strings(first([['crio', 'network', 'plugin_dirs']]));
    const conf = first([['crio', 'network', 'network_dir']]);
    return {...(bin ? {binDirs: bin.map(trim)} : {}), ...(typeof conf === 'string' ? {confDir: trim(conf)} : {})};
  }
  const bin = strings(
    first([...containerdCni.map((p) => [...p, 'bin_dirs']), ...containerdCni.map((p) => [...p, 'bin_dir'])]),
  );
  const conf = first(containerdCni.map((p) => [...p, 'conf_dir']));
  return {...(bin ? {binDirs: bin.map(trim)} : {}), ...(typeof conf === 'string' ? {confDir: trim(conf)} : {})};
}

/** runtimeConfigPath is the runtime configuration file to read CNI directories from. */
export function runtimeConfigPath(spec: NodeConfig['spec']): string | undefined {
  const runtime = spec?.runtime;
  return runtime ? (runtime.configPath ?? engineProfiles[runtime.engine].configPath) : undefined;
}

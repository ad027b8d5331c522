import type {RuntimeEngine} from '../../config/generated/types.js';

/**
 * EngineProfile is what cosi knows about one container runtime: its unit, the config file it reads, how cosi
 * writes `settings` (edited in place, or in cosi's own drop-in), its socket, and how to ask its version.
 */
export interface EngineProfile {
  readonly engine: RuntimeEngine;
  readonly unit: string;
  readonly packageName: string;
  /** The main configuration file. */
  readonly configPath: string;
  /** Drop-in directory read after the main file, in lexical order (CRI-O). */
  readonly dropInDir?: string;
  /** cosi's own drop-in, where cosi keeps `settings` when the engine reads drop-ins. */
  readonly cosiDropIn?: string;
  readonly socket: string;
  readonly versionCommand: readonly string[];
  /** The command printing the engine's own default configuration, for the defaults of tables cosi creates. */
  readonly defaultsCommand?: readonly string[];
}

/** engineProfiles holds the profile of each supported engine. */
export const engineProfiles: Readonly<Record<RuntimeEngine, EngineProfile>> = {
  containerd: {
    engine: 'containerd',
    unit: 'containerd.service',
    packageName: 'containerd',
    configPath: '/etc/containerd/config.toml',
    socket: '/run/containerd/containerd.sock',
    versionCommand: ['containerd', '--version'],
    defaultsCommand: ['containerd', 'config', 'default'],
  },
  crio: {
    engine: 'crio',
    unit: 'crio.service',
    packageName: 'cri-o',
    configPath: '/etc/crio/crio.conf',
    dropInDir: '/etc/crio/crio.conf.d',
    cosiDropIn: '/etc/crio/crio.conf.d/99-cosi.conf',
    socket: '/var/run/crio/crio.sock',
    versionCommand: ['crio', '--version'],
    defaultsCommand: ['crio', 'config'],
  },
};

/**
 * parseEngineVersion finds the engine's version in `containerd --version` (`containerd github.com/containerd/containerd
 * 1.6.20~ds1 ...`), `crio --version` (`crio version 1.28.1` or `Version: 1.28.1`) or a dpkg/rpm version
 * (`1.6.20~ds1-1+deb12u3`, `1:1.7.2-1`). Returns [major, minor, patch], or undefined.
 */
export function parseEngineVersion(text: string): [number, number, number] | undefined {
  const line = text.split('\n').find((l) => /\d+\.\d+/.test(l)) ?? '';
  const words = line.split(/\s+/).filter(Boolean);
  const candidate = words.find((w) => /^v?(\d+:)?\d+\.\d+(\.\d+)?/.test(w) && !w.includes('/')) ?? '';
  const match = /^v?(?:\d+:)?(\d+)\.(\d+)(?:\.(\d+))?/.exec(candidate);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)] : undefined;
}

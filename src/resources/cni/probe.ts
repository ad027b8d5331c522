import type {ProbeRequest} from '../../engine/provider.js';
import {managedOfKind} from '../../engine/state.js';
import type {Host} from '../../host/host.js';
import {backupPath} from '../runtime/backup.js';
import type {ObservedFile} from '../runtime/probe.js';
import {parseTomlDocument} from '../runtime/toml-edit.js';
import {defaultBinDirs, defaultConfDir, runtimeCniDirs, runtimeConfigPath} from './cni-dirs.js';
import {neededBinaries, networkFileName} from './network-file.js';

/** BinaryState is what a plugin binary is in one directory. */
export type BinaryState = 'executable' | 'not-executable' | 'missing';

/** CniObserved is the probed CNI state: the runtime's configuration, plugin binaries per directory, config files. */
export interface CniObserved {
  /** The runtime configuration file, parsed (undefined: no runtime declared, missing or not TOML). */
  readonly runtimeFile?: Record<string, unknown>;
  /** dir -> binary name -> state, for every candidate directory and every binary the document needs. */
  readonly binaries: Readonly<Record<string, Readonly<Record<string, BinaryState>>>>;
  /** The configuration directory probed, and the names of the configuration files in it, sorted. */
  readonly confDir: string;
  readonly confNames: readonly string[];
  /** Files read: configuration files, files cosi manages, backups. */
  readonly files: Readonly<Record<string, ObservedFile>>;
}

/** isConfigName tells whether a runtime would read a file of confDir as a network configuration. */
export function isConfigName(name: string): boolean {
  return /\.(conflist|conf|json)$/.test(name) && !name.startsWith('.');
}

/**
 * probeCni reads the runtime's configuration (for its CNI directories), checks every needed plugin binary in every
 * candidate directory (stat only), lists the configuration directory and reads its files, and reads the files and
 * backups of networks cosi manages. Read-only; runs nothing.
 */
export async function probeCni({host, desired, state}: ProbeRequest): Promise<CniObserved> {
  const spec = desired.config.spec;
  const cni = spec?.cni ?? {};
  const configPath = runtimeConfigPath(spec);
  const runtimeText = configPath ? await host.readText(configPath) : undefined;
  const parsed = runtimeText !== undefined ? parseTomlDocument(runtimeText) : undefined;
  const runtimeFile = parsed?.ok ? parsed.value : undefined;
  const dirs = runtimeCniDirs(spec, runtimeFile);
  const confDir = cni.confDir ?? dirs.confDir ?? defaultConfDir;
  const binDirs = [...new Set([...(cni.binDir ? [cni.binDir] : []), ...(dirs.binDirs ?? []), ...defaultBinDirs])];
  const names = neededBinaries(cni);
  const binaries: Record<string, Record<string, BinaryState>> = {};
  await Promise.all(
    binDirs.map(async (dir) => {
      const entries = await Promise.all(
        names.map(async (name) => [name, await binaryState(host, `${dir}/${name}`)] as const),
      );
      binaries[dir] = Object.fromEntries(entries);
    }),
  );
  const confNames = ((await host.readDir(confDir)) ?? []).filter(isConfigName);
  const paths = new Set(confNames.map((n) => `${confDir}/${n}`));
  for (const [stem, network] of Object.entries(cni.networks ?? {}))
    paths.add(`${confDir}/${networkFileName(stem, network)}`);
  for (const [, record] of [...managedOfKind(state, 'cni.network')]) {
    const path = (record.original as {path: string}).path;
    paths.add(path);
    paths.add(backupPath(path));
  }
  for (const path of [...paths]) if (!path.startsWith('/var/lib/cosi/')) paths.add(backupPath(path));
  const files = Object.fromEntries(
    await Promise.all(
      [...paths].map(async (path) => {
        // A directory where a file is looked for is no file; any other error (EACCES, EIO) names the path and fails the probe.
        const text = await host.readText(path).catch((cause: unknown) => {
          if ((cause as NodeJS.ErrnoException).code === 'EISDIR') return undefined;
          throw cause;
        });
        return [path, text === undefined ? {state: 'missing' as const} : {state: 'present' as const, text}] as const;
      }),
    ),
  );
  return {...(runtimeFile ? {runtimeFile} : {}), binaries, confDir, confNames, files};
}

async function binaryState(host: Host, path: string): Promise<BinaryState> {
  const info = await host.stat(path);
  if (!info || !info.isFile()) return 'missing';
  return (info.mode & 0o111) !== 0 ? 'executable' : 'not-executable';
}

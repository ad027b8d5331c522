import type {RuntimeEngine} from '../../config/generated/types.js';
import type {ProbeRequest} from '../../engine/provider.js';
import {managedOfKind} from '../../engine/state.js';
import type {Host} from '../../host/host.js';
import {groupGids} from '../group/planned-gids.js';
import {backupPath} from './backup.js';
import {engineProfiles, parseEngineVersion} from './engines.js';
import type {StoredRuntimeRecord} from './record.js';
import {parseTomlDocument} from './toml-edit.js';

/** ObservedFile is a configuration file as probed: its text, or missing. */
export type ObservedFile = {readonly state: 'present'; readonly text: string} | {readonly state: 'missing'};

/** RuntimeObserved is the probed runtime state: the engine's version, its config files, drop-ins and groups. */
export interface RuntimeObserved {
  /** The installed engine's version (`containerd --version`, else the package database), when known. */
  readonly version?: {readonly text: string; readonly parsed: readonly [number, number, number]};
  /** Every file the plan reads, by node path: the main config, drop-ins, cosi's drop-in, backups. */
  readonly files: Readonly<Record<string, ObservedFile>>;
  /** Names of the `*.conf` files in the engine's drop-in directory, sorted. */
  readonly dropIns: readonly string[];
  /** The root's /etc/group, name -> gid, with the gids planned for declared groups that do not exist yet. */
  readonly groups: Readonly<Record<string, number>>;
  /** The installed engine's own default configuration (`containerd config default`), parsed, when it could be asked. */
  readonly defaults?: Readonly<Record<string, unknown>>;
}

/**
 * probeRuntime reads what planning the runtime needs: the declared engine's configuration (main file and drop-ins),
 * the files of runtimes cosi manages and their backups, /etc/group when a socket group is named, and the engine's
 * version (one command; the package database when the binary cannot run). Read-only.
 */
export async function probeRuntime({host, desired, state}: ProbeRequest): Promise<RuntimeObserved> {
  const runtime = desired.config.spec?.runtime;
  const paths = new Set<string>();
  let dropIns: string[] = [];
  if (runtime) {
    const profile = engineProfiles[runtime.engine];
    paths.add(runtime.configPath ?? profile.configPath);
    if (profile.dropInDir) {
      dropIns = ((await host.readDir(profile.dropInDir)) ?? []).filter((n) => n.endsWith('.conf'));
      for (const name of dropIns) paths.add(`${profile.dropInDir}/${name}`);
      if (profile.cosiDropIn) paths.add(profile.cosiDropIn);
    }
  }
  for (const [, record] of managedOfKind(state, 'runtime')) {
    const {original, applied} = record as unknown as StoredRuntimeRecord;
    const path = applied?.path ?? original.path;
    paths.add(path);
    paths.add(backupPath(path));
  }
  for (const path of [...paths]) paths.add(backupPath(path));
  const entries = await Promise.all([...paths].map(async (path) => [path, await readFile(host, path)] as const));
  const needsGroups = runtime?.socket && typeof runtime.socket.group === 'string';
  const [version, groups, defaults] = await Promise.all([
    runtime ? readVersion(host, runtime.engine) : undefined,
    needsGroups ? groupGids(host, desired.config.spec?.groups ?? {}, state) : {},
    runtime?.settings ? readDefaults(host, runtime.engine) : undefined,
  ]);
  return {
    ...(version ? {version} : {}),
    files: Object.fromEntries(entries),
    dropIns,
    groups,
    ...(defaults ? {defaults} : {}),
  };
}

/** readDefaults asks the installed engine for its default configuration (one command); undefined when it cannot answer. */
async function readDefaults(host: Host, engine: RuntimeEngine): Promise<Record<string, unknown> | undefined> {
  const argv = engineProfiles[engine].defaultsCommand;
  if (!argv) return undefined;
  const result = await host.run({argv, timeoutMs: 10_000});
  if (result.exitCode !== 0) return undefined;
  const parsed = parseTomlDocument(result.stdout);
  return parsed.ok ? parsed.value : undefined;
}

async function readFile(host: Host, path: string): Promise<ObservedFile> {
  const text = await host.readText(path);
  return text === undefined ? {state: 'missing'} : {state: 'present', text};
}

/** readGroups parses the root's /etc/group into name -> gid. */
export async function readGroups(host: Host): Promise<Record<string, number>> {
  const groups: Record<string, number> = {};
  for (const line of ((await host.readText('/etc/group')) ?? '').split('\n')) {
    const [name, , gid] = line.split(':');
    if (name && gid !== undefined && /^\d+$/.test(gid)) groups[name] = Number(gid);
  }
  return groups;
}

async function readVersion(host: Host, engine: RuntimeEngine): Promise<RuntimeObserved['version']> {
  const profile = engineProfiles[engine];
  const own = await host.run({argv: profile.versionCommand, timeoutMs: 10_000});
  const parsedOwn = own.exitCode === 0 ? parseEngineVersion(own.stdout) : undefined;
  if (parsedOwn) return {text: own.stdout.trim().split('\n')[0]!, parsed: parsedOwn};
  const dpkg = await host.run({argv: ['dpkg-query', '-W', '-f=${Version}', profile.packageName], timeoutMs: 10_000});
  const parsedDpkg = dpkg.exitCode === 0 ? parseEngineVersion(dpkg.stdout) : undefined;
  return parsedDpkg ? {text: `${profile.packageName} ${dpkg.stdout.trim()} (dpkg)`, parsed: parsedDpkg} : undefined;
}

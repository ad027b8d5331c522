import type {Host} from '../../host/host.js';
import {defaultBinDirs, defaultConfDir} from './cni-dirs.js';
import {isConfigName} from './probe.js';

/** cniFacts reports the plugin binaries in each default directory and the configuration files, in the order runtimes read them. Read-only. */
export async function cniFacts({host}: {host: Host}): Promise<Record<string, unknown>> {
  const binDirs: Record<string, string[]> = {};
  for (const dir of defaultBinDirs) {
    const names = await host.readDir(dir);
    if (names) binDirs[dir] = names;
  }
  return {
    binDirs,
    confDir: defaultConfDir,
    confFiles: ((await host.readDir(defaultConfDir)) ?? []).filter(isConfigName),
  };
}

import type {Host} from '../../../host/host.js';

/** dpkgInfo is where dpkg keeps each installed package's file list, `NAME.list` or `NAME:ARCH.list`. */
const dpkgInfo = '/var/lib/dpkg/info';

/**
 * readDpkgFileLists returns the file list of each installed package of `names` (paths, one a line, as dpkg keeps
 * them), read from dpkg's own database files: no process. Names that are not installed are absent. Read-only.
 */
export async function readDpkgFileLists(host: Host, names: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (names.length === 0) return out;
  const entries = (await host.readDir(dpkgInfo)) ?? [];
  const lists = new Map<string, string>();
  for (const entry of entries) {
    const m = /^([a-z0-9][a-z0-9+.-]*)(?::[a-z0-9-]+)?\.list$/.exec(entry);
    if (m && !lists.has(m[1]!)) lists.set(m[1]!, entry);
  }
  for (const name of names) {
    const entry = lists.get(name.replace(/:[a-z0-9-]+$/, ''));
    if (entry === undefined) continue;
    const text = await host.readText(`${dpkgInfo}/${entry}`);
    if (text !== undefined)
      out.set(
        name,
        text.split('\n').filter((line) => line.startsWith('/')),
      );
  }
  return out;
}

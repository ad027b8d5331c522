import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import {join} from 'node:path';

/**
 * cachedBuild returns `<dir>/<key>`, building it first with build(tmpDir) when it is missing.
 * The build writes into a temporary sibling which is renamed into place only when build() succeeds, so a crashed
 * or failed build never leaves a half-built entry that a later run would reuse. A lock directory (holding the
 * builder's pid; taken over when that process is gone) keeps two processes from building the same entry at once.
 */
export async function cachedBuild(dir: string, key: string, build: (tmpDir: string) => Promise<void>): Promise<string> {
  const final = join(dir, key);
  if (existsSync(join(final, '.complete'))) return final;
  mkdirSync(dir, {recursive: true});
  const lock = join(dir, `${key}.lock`);
  await acquire(lock);
  try {
    if (existsSync(join(final, '.complete'))) return final; // another process built it meanwhile
    const tmp = join(dir, `${key}.tmp-${process.pid}`);
    rmSync(tmp, {recursive: true, force: true});
    rmSync(final, {recursive: true, force: true});
    mkdirSync(tmp, {recursive: true});
    try {
      await build(tmp);
      writeFileSync(join(tmp, '.complete'), new Date().toISOString() + '\n');
      renameSync(tmp, final);
    } catch (error) {
      rmSync(tmp, {recursive: true, force: true});
      throw error;
    }
    return final;
  } finally {
    rmSync(lock, {recursive: true, force: true});
  }
}

async function acquire(lock: string): Promise<void> {
  const deadline = Date.now() + 30 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (!holderAlive(lock)) {
      rmSync(lock, {recursive: true, force: true});
      continue;
    }
    if (Date.now() > deadline)
      throw new Error(`Expected the VM cache lock ${lock} to be released within 30 minutes; it is still held`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function holderAlive(lock: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(join(lock, 'pid'), 'utf8'));
  } catch {
    return true; // the holder is between mkdir and writing its pid
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** diskUsageBytes estimates what path needs on a fresh ext4 file system: file sizes plus a 4 KiB block per entry. */
export function diskUsageBytes(path: string): number {
  const s = lstatSync(path);
  if (!s.isDirectory()) return s.size + 4096;
  return readdirSync(path).reduce((sum, entry) => sum + diskUsageBytes(join(path, entry)), 4096);
}

/** pruneEntries deletes the entries `<prefix>-<hex>` of dir other than keep, all but the `spare` newest. */
export function pruneEntries(dir: string, prefix: string, keep: string, spare: number): void {
  const entries = readdirSync(dir)
    .filter((name) => new RegExp(`^${prefix}-[0-9a-f]+$`).test(name) && name !== keep)
    .map((name) => ({name, mtime: statSync(join(dir, name)).mtimeMs}))
    .sort((a, b) => b.mtime - a.mtime);
  for (const old of entries.slice(spare)) rmSync(join(dir, old.name), {recursive: true, force: true});
}

import {randomBytes} from 'node:crypto';
// fs.promises only on first use (see host.ts).
import {promises as fsp} from 'node:fs';
import {basename, dirname, join} from 'node:path';

/** AtomicWriteOptions controls the mode of a newly written file. */
export interface AtomicWriteOptions {
  /** Mode for a new file; an existing file keeps its mode and ownership. Default 0o644. */
  readonly mode?: number;
}

/**
 * writeFileAtomic replaces `hostPath` with `content` so that a reader (or a crash) only ever sees the old or the
 * new file, never a partial one: temporary file in the same directory, fsync, rename, fsync of the directory.
 * It writes nothing when the file already holds exactly `content`, and returns whether it wrote.
 */
export async function writeFileAtomic(
  hostPath: string,
  content: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<boolean> {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
  let mode = options.mode ?? 0o644;
  let owner: {uid: number; gid: number} | undefined;
  try {
    const existing = await fsp.readFile(hostPath);
    if (existing.equals(bytes)) return false;
    const info = await fsp.stat(hostPath);
    mode = info.mode & 0o7777;
    owner = {uid: info.uid, gid: info.gid};
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const dir = dirname(hostPath);
  const temporary = join(dir, `.${basename(hostPath)}.cosi-${process.pid}-${randomBytes(4).toString('hex')}`);
  const handle = await fsp.open(temporary, 'wx', mode);
  try {
    await handle.writeFile(bytes);
    await handle.chmod(mode);
    if (owner && process.getuid?.() === 0) await handle.chown(owner.uid, owner.gid);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await fsp.unlink(temporary).catch(() => undefined);
    throw error;
  }
  await handle.close();
  try {
    await fsp.rename(temporary, hostPath);
  } catch (error) {
    await fsp.unlink(temporary).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dir);
  return true;
}

/** syncDirectory makes a rename or unlink in `dir` durable. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await fsp.open(dir, 'r');
  try {
    await handle.sync();
  } catch {
    // Some file systems refuse fsync on directories; the rename is still atomic.
  } finally {
    await handle.close();
  }
}

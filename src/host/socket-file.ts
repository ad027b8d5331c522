// fs.promises only on first use (see host.ts).
import {promises as fsp} from 'node:fs';

/**
 * removeStaleSocket removes what a previous agent left at `hostPath` when it is a socket (a killed agent cannot
 * unlink its own), and refuses anything else there: a regular file or a link at a socket's path is not cosi's.
 */
export async function removeStaleSocket(hostPath: string): Promise<void> {
  const info = await fsp.lstat(hostPath).catch((cause: NodeJS.ErrnoException) => {
    if (cause.code === 'ENOENT') return undefined;
    throw cause;
  });
  if (!info) return;
  if (!info.isSocket()) throw new Error(`${hostPath} exists and is not a socket; cosi does not remove it`);
  await fsp.unlink(hostPath);
}

/**
 * restrictSocket gives a bound socket its mode and group (connecting needs write permission on it), without
 * following a link: the path was just bound by this process in a directory it holds open.
 */
export async function restrictSocket(hostPath: string, mode: number, gid: number): Promise<void> {
  const info = await fsp.lstat(hostPath);
  if (!info.isSocket()) throw new Error(`${hostPath} is not the socket cosi bound`);
  await fsp.chown(hostPath, 0, gid);
  await fsp.chmod(hostPath, mode);
}

/** unlinkSocket removes a socket the agent bound, at shutdown; a missing one is fine. */
export async function unlinkSocket(hostPath: string): Promise<void> {
  await fsp.unlink(hostPath).catch(() => undefined);
}

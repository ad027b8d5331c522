import type {Host} from '../../host/host.js';
import {HostError} from '../../host/host-error.js';

/** skipped are the errors for which systemd and kmod pass over a file of a `*.d` directory: it is not one. */
const skipped = new Set(['ENOENT', 'ENOTDIR', 'EISDIR']);

/**
 * readConfigFile reads a configuration file of a `*.d` directory the way systemd and kmod do: a link to
 * /dev/null masks the file (read as empty), and one that is gone (or a directory) counts as missing. Any other
 * failure (EACCES, EIO, a symlink loop...) is the host's error, naming the path: what the node applies at boot cannot
 * be told without the file. Read-only.
 */
export async function readConfigFile(host: Host, path: string): Promise<string | undefined> {
  if ((await host.resolve(path)) === host.hostPath('/dev/null')) return '';
  try {
    return await host.readText(path);
  } catch (error) {
    if (error instanceof HostError && error.code !== undefined && skipped.has(error.code)) return undefined;
    throw error;
  }
}

import type {Host} from '../../host/host.js';

/**
 * readConfigFile reads a configuration file of a `*.d` directory the way systemd and kmod do: a link to
 * /dev/null masks the file (read as empty), and an unreadable file counts as missing. Read-only.
 */
export async function readConfigFile(host: Host, path: string): Promise<string | undefined> {
  if ((await host.resolve(path)) === host.hostPath('/dev/null')) return '';
  try {
    return await host.readText(path);
  } catch {
    return undefined;
  }
}

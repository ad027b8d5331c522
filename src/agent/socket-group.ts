import type {Host} from '../host/host.js';

/**
 * socketGroupId resolves `--socket-group` (a name in the node's /etc/group, under the root, or a number) to a
 * gid. Undefined when the node has no such group: the read socket then stays root's group alone.
 */
export async function socketGroupId(host: Host, group: string): Promise<number | undefined> {
  if (/^\d{1,10}$/.test(group)) return Number(group);
  const text = (await host.readText('/etc/group')) ?? '';
  for (const line of text.split('\n')) {
    const [name, , gid] = line.split(':');
    if (name === group && gid !== undefined && /^\d{1,10}$/.test(gid)) return Number(gid);
  }
  return undefined;
}

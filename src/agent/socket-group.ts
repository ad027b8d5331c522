import type {Host} from '../host/host.js';
import {parseGroupFile} from '../resources/group/group-files.js';

/**
 * socketGroupId resolves `--socket-group` (a name in the node's /etc/group, under the root, or a number) to a
 * gid. Undefined when the node has no such group: the read socket then stays root's group alone.
 */
export async function socketGroupId(host: Host, group: string): Promise<number | undefined> {
  if (/^\d{1,10}$/.test(group)) return Number(group);
  return parseGroupFile((await host.readText('/etc/group')) ?? '').find((entry) => entry.name === group)?.gid;
}

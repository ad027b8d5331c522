import type {Host} from '../../host/host.js';
import {engineProfiles} from './engines.js';
import {readGroups} from './probe.js';

async function readUsers(host: Host): Promise<Record<number, string>> {
  const users: Record<number, string> = {};
  for (const line of ((await host.readText('/etc/passwd')) ?? '').split('\n')) {
    const [name, , uid] = line.split(':');
    if (name && uid && /^\d+$/.test(uid)) users[Number(uid)] = name;
  }
  return users;
}

/**
 * runtimeFacts reports, for each engine whose configuration or socket is on the node: the config file, and the
 * API socket's owner, group and mode (names from the root's /etc/passwd and /etc/group). Read-only; runs nothing.
 */
export async function runtimeFacts({host}: {host: Host}): Promise<Record<string, unknown>> {
  const [groups, users] = await Promise.all([readGroups(host), readUsers(host)]);
  const groupNames = Object.fromEntries(Object.entries(groups).map(([name, gid]) => [gid, name]));
  const out: Record<string, unknown> = {};
  for (const profile of Object.values(engineProfiles)) {
    const [config, socket] = await Promise.all([host.stat(profile.configPath), host.stat(profile.socket)]);
    if (!config && !socket) continue;
    out[profile.engine] = {
      config: config ? profile.configPath : null,
      socket: socket
        ? {
            path: profile.socket,
            owner: users[socket.uid] ?? socket.uid,
            group: groupNames[socket.gid] ?? socket.gid,
            mode: `0${(socket.mode & 0o7777).toString(8)}`,
            isSocket: socket.isSocket(),
          }
        : {path: profile.socket, present: false},
    };
  }
  return out;
}

import type {Runtime} from '../../config/generated/types.js';
import {error, warning, type Diagnostic} from '../../diag/diagnostic.js';
import {canonicalJson} from '../../engine/digest.js';
import {flattenSettings, renderKey, type SettingLeaf} from './settings-leaves.js';

/**
 * desiredLeaves lists the keys cosi manages in the engine's configuration: the leaves of `settings`, plus the
 * socket group (containerd: `[grpc] gid`, resolved through the root's /etc/group). A group that does not exist, or
 * a `grpc.gid` in `settings` that disagrees with `socket.group`, is an error; CRI-O has no socket-group setting,
 * which is a warning. Pure.
 */
export function desiredLeaves(
  runtime: Runtime,
  groups: Readonly<Record<string, number>>,
): {leaves: SettingLeaf[]; diagnostics: Diagnostic[]} {
  const leaves = flattenSettings(runtime.settings ?? {});
  const diagnostics: Diagnostic[] = [];
  const group = runtime.socket?.group;
  if (group !== undefined) {
    const path = ['spec', 'runtime', 'socket', 'group'];
    if (runtime.engine === 'crio') {
      diagnostics.push(
        warning("CRI-O has no configuration setting for its socket's group: socket.group is not managed for crio", {
          path,
          detail:
            'CRI-O creates its socket (crio.api.listen) owned by root; grant access with a systemd drop-in for crio.socket or ACLs.',
        }),
      );
    } else {
      const gid = typeof group === 'number' ? group : /^\d+$/.test(group) ? Number(group) : groups[group];
      if (gid === undefined) {
        diagnostics.push(
          error(`socket group ${JSON.stringify(group)} does not exist in the node's /etc/group`, {
            path,
            detail:
              'expected a group name from /etc/group, a group declared under spec.groups (cosi creates it first), or a numeric gid',
          }),
        );
      } else {
        const set = leaves.find((l) => renderKey(l.path) === 'grpc.gid');
        if (set && canonicalJson(set.value) !== canonicalJson(gid)) {
          diagnostics.push(
            error(
              `socket.group ${JSON.stringify(group)} (gid ${gid}) disagrees with settings grpc.gid = ${JSON.stringify(set.value)}`,
              {path},
            ),
          );
        } else if (!set) {
          leaves.push({path: ['grpc', 'gid'], value: gid});
        }
      }
    }
  }
  return {leaves, diagnostics};
}

import type {NodeConfig} from '../../config/generated/types.js';
import {error, type Diagnostic} from '../../diag/diagnostic.js';

/** checkGroups enforces the offline rules of `spec.groups`: two groups never declare one gid. Pure. */
export function checkGroups(config: NodeConfig): Diagnostic[] {
  const found: Diagnostic[] = [];
  const byGid = new Map<number, string>();
  for (const [name, group] of Object.entries(config.spec?.groups ?? {})) {
    if (group.gid === undefined) continue;
    const first = byGid.get(group.gid);
    if (first !== undefined)
      found.push(
        error(`gid ${group.gid} of group ${name} is also declared for group ${first}`, {
          path: ['spec', 'groups', name, 'gid'],
        }),
      );
    else byGid.set(group.gid, name);
  }
  return found;
}

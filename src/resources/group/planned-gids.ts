import type {Groups} from '../../config/generated/types.js';
import type {CosiState} from '../../engine/state.js';
import type {Host} from '../../host/host.js';
import {address} from '../../plan/resource-kind.js';
import {readGroupDatabase, type GroupObserved} from './probe.js';
import type {GroupApplied} from './record.js';

/**
 * plannedGids gives every declared group the gid it has or will have once applied: an existing group keeps its own;
 * a new one gets the document's gid, else the gid cosi gave it before (a group it created that vanished), else the
 * highest gid of the system range that no group, no user's primary group and no other declared group uses (what
 * `groupadd --system` picks). Decided at plan time so that the plan shows it and the runtime's socket group can use
 * it before the group exists; undefined when the range is full. Pure; groups are taken in name order.
 */
export function plannedGids(
  groups: Groups,
  observed: GroupObserved,
  state: CosiState,
): Map<string, number | undefined> {
  const out = new Map<string, number | undefined>();
  const used = new Set<number>([
    ...Object.values(observed.groups).map((g) => g.gid),
    ...Object.values(observed.users).map((u) => u.gid),
  ]);
  const names = Object.keys(groups).sort();
  for (const name of names) {
    const existing = observed.groups[name];
    const gid = existing?.gid ?? groups[name]!.gid;
    if (gid !== undefined) {
      out.set(name, gid);
      used.add(gid);
    }
  }
  for (const name of names) {
    if (out.has(name)) continue;
    const before = (state.resources[address('group', name)]?.applied as GroupApplied | null | undefined)?.gid;
    let gid = before !== undefined && !used.has(before) ? before : undefined;
    for (
      let candidate = observed.range.max;
      gid === undefined && candidate >= observed.range.min && candidate > 0;
      candidate--
    ) {
      if (!used.has(candidate)) gid = candidate;
    }
    if (gid !== undefined) used.add(gid);
    out.set(name, gid);
  }
  return out;
}

/**
 * groupGids maps group names to gids as they will be once the plan is applied: the root's groups, plus the declared
 * groups that do not exist yet with their planned gid (for the runtime's socket group). Read-only.
 */
export async function groupGids(host: Host, groups: Groups, state: CosiState): Promise<Record<string, number>> {
  const observed = await readGroupDatabase(host);
  const out: Record<string, number> = Object.fromEntries(
    Object.entries(observed.groups).map(([name, g]) => [name, g.gid]),
  );
  for (const [name, gid] of plannedGids(groups, observed, state))
    if (gid !== undefined && !Object.hasOwn(out, name)) out[name] = gid;
  return out;
}

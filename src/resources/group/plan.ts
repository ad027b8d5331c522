import type {GroupSpec} from '../../config/generated/types.js';
import {error, warning, type Diagnostic} from '../../diag/diagnostic.js';
import {digest} from '../../engine/digest.js';
import type {PlanRequest, ProviderPlan} from '../../engine/provider.js';
import {managedOfKind, type ManagedRecord} from '../../engine/state.js';
import type {Change} from '../../plan/change.js';
import {address} from '../../plan/resource-kind.js';
import {plannedGids} from './planned-gids.js';
import type {GroupObserved, ObservedGroup} from './probe.js';
import type {GroupApplied, GroupOriginal} from './record.js';

/** GroupChangeData is what apply runs, in this order: `groupadd`, `gpasswd -a`, `gpasswd -d`, `groupdel`. */
export interface GroupChangeData {
  readonly name: string;
  readonly create?: {readonly gid: number};
  readonly add: readonly string[];
  readonly remove: readonly string[];
  readonly groupdel?: boolean;
  readonly original?: GroupOriginal;
}

/**
 * planGroups plans each declared group: `groupadd` when it is missing (gid from `plannedGids`), `gpasswd -a` for
 * listed users that are not members, `gpasswd -d` for members cosi added that the document no longer lists. A member
 * that is not in /etc/passwd, a gid another group has, and an existing group whose gid differs from the document's
 * are errors. A managed group no longer declared is restored (see `planRemoval`). Pure.
 */
export function planGroups({desired, observed, state}: PlanRequest<GroupObserved>): ProviderPlan<GroupChangeData> {
  const groups = desired.config.spec?.groups ?? {};
  const changes: Change<GroupChangeData>[] = [];
  const diagnostics: Diagnostic[] = [];
  const gids = plannedGids(groups, observed, state);
  for (const [name, spec] of Object.entries(groups)) {
    const result = planOne(name, spec, gids.get(name), observed, state.resources[address('group', name)]);
    diagnostics.push(...result.diagnostics);
    if (result.change) changes.push(result.change);
  }
  const socketGroup = desired.config.spec?.runtime?.socket?.group;
  for (const [addr, record] of managedOfKind(state, 'group')) {
    const name = addr.slice('group.'.length);
    if (Object.hasOwn(groups, name)) continue;
    const result = planRemoval(name, record, observed, socketGroup === name);
    diagnostics.push(...result.diagnostics);
    changes.push(result.change);
  }
  return {changes, diagnostics};
}

function view(group: ObservedGroup | undefined): {gid: number; members: readonly string[]} | null {
  return group ? {gid: group.gid, members: group.members} : null;
}

function planOne(
  name: string,
  spec: GroupSpec,
  gid: number | undefined,
  observed: GroupObserved,
  record: ManagedRecord | undefined,
): {change?: Change<GroupChangeData>; diagnostics: Diagnostic[]} {
  const path = ['spec', 'groups', name];
  const diagnostics: Diagnostic[] = [];
  const wanted = [...new Set(spec.members ?? [])].sort();
  (spec.members ?? []).forEach((user, i) => {
    if (!Object.hasOwn(observed.users, user))
      diagnostics.push(
        error(`user ${user} does not exist on this node: it cannot be a member of group ${name}`, {
          path: [...path, 'members', i],
          detail: "expected a user in the node's /etc/passwd; create the user first (cosi manages groups, not users)",
        }),
      );
  });
  const existing = Object.hasOwn(observed.groups, name) ? observed.groups[name] : undefined;
  if (existing && spec.gid !== undefined && existing.gid !== spec.gid) {
    diagnostics.push(
      error(`group ${name} exists with gid ${existing.gid}, the document says ${spec.gid}`, {
        path: [...path, 'gid'],
        detail: `cosi does not renumber an existing group: files owned by gid ${existing.gid} would lose it. Leave gid out, or change it with groupmod yourself (/etc/group line ${existing.line})`,
      }),
    );
  }
  if (!existing && gid !== undefined) {
    const other = Object.entries(observed.groups).find(([, g]) => g.gid === gid);
    if (other)
      diagnostics.push(
        error(`gid ${gid} of group ${name} is taken by group ${other[0]}`, {
          path: [...path, 'gid'],
          detail: `expected a gid no other group has; /etc/group line ${other[1].line} gives ${gid} to ${other[0]}`,
        }),
      );
  }
  if (!existing && gid === undefined) {
    diagnostics.push(
      error(
        `group ${name} cannot get a gid: every gid of the system range ${observed.range.min}-${observed.range.max} is taken`,
        {path, detail: 'give the group a gid in the document'},
      ),
    );
  }
  if (diagnostics.length > 0) return {diagnostics};

  const original: GroupOriginal =
    (record?.original as GroupOriginal | undefined) ??
    (existing ? {exists: true, gid: existing.gid, members: existing.members} : {exists: false});
  const members = existing?.members ?? [];
  const add = wanted.filter((m) => !members.includes(m));
  const applied = record?.applied as GroupApplied | null | undefined;
  const found = original.exists ? original.members : [];
  const remove = (applied?.members ?? []).filter(
    (m) => !wanted.includes(m) && !found.includes(m) && members.includes(m),
  );
  const create = existing ? undefined : {gid: gid!};
  const data: GroupChangeData = {name, ...(create ? {create} : {}), add, remove, original};
  const after: GroupApplied = {gid: existing?.gid ?? gid!, members: wanted};
  const base = {
    address: address('group', name),
    kind: 'group' as const,
    before: view(existing),
    after,
    disruption: 'none' as const,
    dependsOn: [],
    inputs: digest({
      group: existing ?? null,
      users: wanted.map((m) => Object.hasOwn(observed.users, m)),
      ...(create ? {taken: Object.values(observed.groups).some((g) => g.gid === create.gid)} : {}),
    }),
    data,
  };
  const what = [
    create ? `create it with gid ${create.gid}` : undefined,
    add.length > 0 ? `add ${add.join(', ')}` : undefined,
    remove.length > 0 ? `remove ${remove.join(', ')} (added by cosi, no longer listed)` : undefined,
  ].filter(Boolean);
  const details = [
    ...(create ? [`groupadd -g ${create.gid} ${name}`] : []),
    ...add.map((m) => `gpasswd -a ${m} ${name}`),
    ...remove.map((m) => `gpasswd -d ${m} ${name}`),
  ];
  if (what.length === 0)
    return {
      change: {
        ...base,
        action: 'noop',
        reason: `group ${name} has gid ${after.gid}${wanted.length > 0 ? ` and members ${wanted.join(', ')}` : ''}`,
      },
      diagnostics,
    };
  const reason = existing
    ? `group ${name} (gid ${existing.gid}): ${what.join('; ')}`
    : record
      ? `group ${name} is missing (removed outside cosi): ${what.join('; ')}`
      : `group ${name} does not exist: ${what.join('; ')}`;
  return {
    change: {...base, action: record ? 'update' : 'create', reason, details, ...(record ? {} : {original})},
    diagnostics,
  };
}

/**
 * planRemoval restores a group the document no longer declares: members cosi added (listed when applied, absent when
 * found) are removed; a group cosi created is deleted with `groupdel` only when it is then unused — no other member,
 * no user's primary group, not the runtime's socket group in the document. Otherwise it is kept (a warning says why)
 * and cosi forgets it. Files owned by its gid are not searched: a deleted group's gid may later be given again.
 */
function planRemoval(
  name: string,
  record: ManagedRecord,
  observed: GroupObserved,
  socketGroup: boolean,
): {change: Change<GroupChangeData>; diagnostics: Diagnostic[]} {
  const original = record.original as GroupOriginal;
  const applied = record.applied as GroupApplied | null;
  const existing = Object.hasOwn(observed.groups, name) ? observed.groups[name] : undefined;
  const diagnostics: Diagnostic[] = [];
  const found = original.exists ? original.members : [];
  const members = existing?.members ?? [];
  const remove = (applied?.members ?? []).filter((m) => !found.includes(m) && members.includes(m));
  const left = members.filter((m) => !remove.includes(m));
  const primaryOf = existing
    ? Object.entries(observed.users)
        .filter(([, u]) => u.gid === existing.gid)
        .map(([user]) => user)
    : [];
  const keepBecause = [
    left.length > 0 ? `it has members cosi did not add (${left.join(', ')})` : undefined,
    primaryOf.length > 0 ? `it is the primary group of ${primaryOf.join(', ')}` : undefined,
    socketGroup ? 'spec.runtime.socket.group still names it' : undefined,
  ].filter((x): x is string => x !== undefined);
  const groupdel = existing !== undefined && !original.exists && keepBecause.length === 0;
  if (existing && !original.exists && keepBecause.length > 0) {
    diagnostics.push(
      warning(`group ${name}, which cosi created, is kept: ${keepBecause.join('; ')}`, {
        address: address('group', name),
        detail: `cosi stops managing it; delete it with groupdel ${name} once nothing uses it`,
      }),
    );
  }
  const after = groupdel ? null : existing ? {gid: existing.gid, members: left} : null;
  const reason = !existing
    ? `no longer in the document: group ${name} is already gone`
    : groupdel
      ? `no longer in the document: group ${name} was created by cosi and is unused: ${remove.length > 0 ? `remove ${remove.join(', ')}, then ` : ''}groupdel`
      : `no longer in the document: ${remove.length > 0 ? `remove ${remove.join(', ')} (added by cosi)` : 'nothing to undo'}${original.exists ? '' : `; the group is kept: ${keepBecause.join('; ')}`}`;
  const details = [...remove.map((m) => `gpasswd -d ${m} ${name}`), ...(groupdel ? [`groupdel ${name}`] : [])];
  const data: GroupChangeData = {name, add: [], remove, ...(groupdel ? {groupdel} : {})};
  return {
    change: {
      address: address('group', name),
      kind: 'group',
      action: 'delete',
      before: view(existing),
      after,
      reason,
      details,
      disruption: 'none',
      dependsOn: [],
      inputs: digest({group: existing ?? null, primaryOf}),
      data,
    },
    diagnostics,
  };
}

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

/** planOne plans one declared group: its change, or the errors that keep it from being planned. */
function planOne(
  name: string,
  spec: GroupSpec,
  gid: number | undefined,
  observed: GroupObserved,
  record: ManagedRecord | undefined,
): {change?: Change<GroupChangeData>; diagnostics: Diagnostic[]} {
  const existing = Object.hasOwn(observed.groups, name) ? observed.groups[name] : undefined;
  const diagnostics = [...memberProblems(name, spec, observed), ...gidProblems(name, spec, gid, existing, observed)];
  if (diagnostics.length > 0) return {diagnostics};
  return {change: planDeclared(name, spec, gid, existing, observed, record), diagnostics};
}

/** memberProblems are the errors for listed members that are not users of the node. */
function memberProblems(name: string, spec: GroupSpec, observed: GroupObserved): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  (spec.members ?? []).forEach((user, i) => {
    if (!Object.hasOwn(observed.users, user))
      diagnostics.push(
        error(`user ${user} does not exist on this node: it cannot be a member of group ${name}`, {
          path: ['spec', 'groups', name, 'members', i],
          detail: "expected a user in the node's /etc/passwd; create the user first (cosi manages groups, not users)",
        }),
      );
  });
  return diagnostics;
}

/**
 * gidProblems are the errors about a group's gid: an existing group with another gid than the document's, a gid
 * for a new group that another group has, or no free gid left for it (gid undefined).
 */
function gidProblems(
  name: string,
  spec: GroupSpec,
  gid: number | undefined,
  existing: ObservedGroup | undefined,
  observed: GroupObserved,
): Diagnostic[] {
  const path = ['spec', 'groups', name];
  if (existing) {
    if (spec.gid === undefined || existing.gid === spec.gid) return [];
    return [
      error(`group ${name} exists with gid ${existing.gid}, the document says ${spec.gid}`, {
        path: [...path, 'gid'],
        detail: `cosi does not renumber an existing group: files owned by gid ${existing.gid} would lose it. Leave gid out, or change it with groupmod yourself (/etc/group line ${existing.line})`,
      }),
    ];
  }
  if (gid === undefined) {
    return [
      error(
        `group ${name} cannot get a gid: every gid of the system range ${observed.range.min}-${observed.range.max} is taken`,
        {path, detail: 'give the group a gid in the document'},
      ),
    ];
  }
  const other = Object.entries(observed.groups).find(([, g]) => g.gid === gid);
  if (!other) return [];
  return [
    error(`gid ${gid} of group ${name} is taken by group ${other[0]}`, {
      path: [...path, 'gid'],
      detail: `expected a gid no other group has; /etc/group line ${other[1].line} gives ${gid} to ${other[0]}`,
    }),
  ];
}

/**
 * planDeclared plans a declared group without problems: `groupadd` when it is missing (gid is then defined),
 * `gpasswd -a` for listed users that are not members, `gpasswd -d` for members cosi added that are no longer listed;
 * `noop` when there is nothing to do.
 */
function planDeclared(
  name: string,
  spec: GroupSpec,
  gid: number | undefined,
  existing: ObservedGroup | undefined,
  observed: GroupObserved,
  record: ManagedRecord | undefined,
): Change<GroupChangeData> {
  const wanted = [...new Set(spec.members ?? [])].sort();
  const original: GroupOriginal =
    (record?.original as GroupOriginal | undefined) ??
    (existing ? {exists: true, gid: existing.gid, members: existing.members} : {exists: false});
  const {add, remove} = memberChanges(
    wanted,
    existing?.members ?? [],
    original,
    record?.applied as GroupApplied | null | undefined,
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
  const what = steps(create, add, remove);
  const details = [
    ...(create ? [`groupadd -g ${create.gid} ${name}`] : []),
    ...add.map((m) => `gpasswd -a ${m} ${name}`),
    ...remove.map((m) => `gpasswd -d ${m} ${name}`),
  ];
  if (what.length === 0)
    return {
      ...base,
      action: 'noop',
      reason: `group ${name} has gid ${after.gid}${wanted.length > 0 ? ` and members ${wanted.join(', ')}` : ''}`,
    };
  const reason = existing
    ? `group ${name} (gid ${existing.gid}): ${what.join('; ')}`
    : record
      ? `group ${name} is missing (removed outside cosi): ${what.join('; ')}`
      : `group ${name} does not exist: ${what.join('; ')}`;
  return {...base, action: record ? 'update' : 'create', reason, details, ...(record ? {} : {original})};
}

/**
 * memberChanges are the members to add (listed users that are not members) and to remove (members cosi added, as
 * applied, that were not members when cosi found the group and are no longer listed).
 */
function memberChanges(
  wanted: readonly string[],
  members: readonly string[],
  original: GroupOriginal,
  applied: GroupApplied | null | undefined,
): {add: string[]; remove: string[]} {
  const found = original.exists ? original.members : [];
  return {
    add: wanted.filter((m) => !members.includes(m)),
    remove: (applied?.members ?? []).filter((m) => !wanted.includes(m) && !found.includes(m) && members.includes(m)),
  };
}

/** steps says what a declared group's change does, in apply's order. */
function steps(create: {gid: number} | undefined, add: readonly string[], remove: readonly string[]): string[] {
  return [
    create ? `create it with gid ${create.gid}` : undefined,
    add.length > 0 ? `add ${add.join(', ')}` : undefined,
    remove.length > 0 ? `remove ${remove.join(', ')} (added by cosi, no longer listed)` : undefined,
  ].filter((x): x is string => x !== undefined);
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
  const details = [...remove.map((m) => `gpasswd -d ${m} ${name}`), ...(groupdel ? [`groupdel ${name}`] : [])];
  const data: GroupChangeData = {name, add: [], remove, ...(groupdel ? {groupdel} : {})};
  return {
    change: {
      address: address('group', name),
      kind: 'group',
      action: 'delete',
      before: view(existing),
      after,
      reason: removalReason(name, existing !== undefined, groupdel, remove, original.exists, keepBecause),
      details,
      disruption: 'none',
      dependsOn: [],
      inputs: digest({group: existing ?? null, primaryOf}),
      data,
    },
    diagnostics,
  };
}

/** removalReason says what removing a group from the document does: nothing, gpasswd -d, groupdel, or keeping it. */
function removalReason(
  name: string,
  exists: boolean,
  groupdel: boolean,
  remove: readonly string[],
  existed: boolean,
  keepBecause: readonly string[],
): string {
  if (!exists) return `no longer in the document: group ${name} is already gone`;
  if (groupdel)
    return `no longer in the document: group ${name} was created by cosi and is unused: ${remove.length > 0 ? `remove ${remove.join(', ')}, then ` : ''}groupdel`;
  return `no longer in the document: ${remove.length > 0 ? `remove ${remove.join(', ')} (added by cosi)` : 'nothing to undo'}${existed ? '' : `; the group is kept: ${keepBecause.join('; ')}`}`;
}

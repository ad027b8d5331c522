import type {ProbeRequest} from '../../engine/provider.js';
import {managedOfKind} from '../../engine/state.js';
import type {Host} from '../../host/host.js';
import {
  parseGroupFile,
  parseGshadowFile,
  parseLoginDefs,
  parsePasswdFile,
  type GidRange,
  type GroupEntry,
} from './group-files.js';

/** ObservedGroup is one group as the node has it; `members` are those both /etc/group and /etc/gshadow list. */
export interface ObservedGroup {
  readonly gid: number;
  readonly members: readonly string[];
  readonly line: number;
}

/** GroupObserved is the probed group database: groups by name, users' primary gids, and the system gid range. */
export interface GroupObserved {
  readonly groups: Readonly<Record<string, ObservedGroup>>;
  readonly users: Readonly<Record<string, {readonly gid: number}>>;
  readonly range: GidRange;
}

/**
 * readGroupDatabase reads /etc/group, /etc/gshadow, /etc/passwd and /etc/login.defs under the root. A member counts
 * only when /etc/gshadow, where the group has a line there, lists it too (`gpasswd -a` repairs both); /etc/gshadow
 * is left out when it cannot be read (a plan run by a user other than root). Read-only.
 */
export async function readGroupDatabase(host: Host): Promise<GroupObserved> {
  const unreadable = (cause: unknown) => {
    if ((cause as NodeJS.ErrnoException).code === 'EACCES') return undefined;
    throw cause;
  };
  const [group, gshadow, passwd, loginDefs] = await Promise.all([
    host.readText('/etc/group'),
    host.readText('/etc/gshadow').catch(unreadable),
    host.readText('/etc/passwd'),
    host.readText('/etc/login.defs'),
  ]);
  const shadowMembers = gshadow === undefined ? undefined : parseGshadowFile(gshadow);
  const groups: Record<string, ObservedGroup> = {};
  for (const entry of parseGroupFile(group ?? '')) {
    if (Object.hasOwn(groups, entry.name)) continue;
    groups[entry.name] = {
      gid: entry.gid,
      members: effectiveMembers(entry, shadowMembers?.get(entry.name)),
      line: entry.line,
    };
  }
  const users: Record<string, {gid: number}> = {};
  for (const user of parsePasswdFile(passwd ?? ''))
    if (!Object.hasOwn(users, user.name)) users[user.name] = {gid: user.gid};
  return {groups, users, range: parseLoginDefs(loginDefs ?? '')};
}

function effectiveMembers(entry: GroupEntry, shadow: readonly string[] | undefined): string[] {
  return [...new Set(shadow === undefined ? entry.members : entry.members.filter((m) => shadow.includes(m)))].sort();
}

/** emptyGroupDatabase is what the probe returns when no group is declared or managed: nothing is read. */
const emptyGroupDatabase: GroupObserved = {groups: {}, users: {}, range: {min: 0, max: 0}};

/** probeGroups reads the group database when the document declares groups or cosi manages some. Read-only. */
export async function probeGroups({host, desired, state}: ProbeRequest): Promise<GroupObserved> {
  const declared = Object.keys(desired.config.spec?.groups ?? {}).length > 0;
  if (!declared && managedOfKind(state, 'group').length === 0) return emptyGroupDatabase;
  return readGroupDatabase(host);
}

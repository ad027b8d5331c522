/** GroupEntry is one line of /etc/group: name, gid, explicit members, and its line number. */
export interface GroupEntry {
  readonly name: string;
  readonly gid: number;
  readonly members: readonly string[];
  readonly line: number;
}

/** UserEntry is one line of /etc/passwd, as far as groups care: the name and the primary gid. */
export interface UserEntry {
  readonly name: string;
  readonly gid: number;
}

/** GidRange is the system group id range of login.defs (`SYS_GID_MIN`..`SYS_GID_MAX`). */
export interface GidRange {
  readonly min: number;
  readonly max: number;
}

/** defaultSystemGids is shadow's built-in system range when login.defs sets none (its SYS_GID_MIN 101, SYS_GID_MAX GID_MIN - 1). */
export const defaultSystemGids: GidRange = {min: 101, max: 999};

const fieldName = /^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$/;
const numeric = /^\d{1,10}$/;

function memberList(field: string | undefined): string[] {
  return (field ?? '')
    .split(',')
    .map((m) => m.trim())
    .filter((m) => fieldName.test(m));
}

/**
 * parseGroupFile reads /etc/group (`name:password:gid:member,member`). Lines that do not have four fields, a safe
 * name and a numeric gid (comments, NIS `+` lines, damage) are skipped: the file is input, not trusted. Pure.
 */
export function parseGroupFile(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    const fields = line.split(':');
    if (fields.length !== 4 || !fieldName.test(fields[0]!) || !numeric.test(fields[2]!)) continue;
    out.push({name: fields[0]!, gid: Number(fields[2]), members: memberList(fields[3]), line: index + 1});
  }
  return out;
}

/** parseGshadowFile reads /etc/gshadow (`name:password:admins:members`) into name -> members. Pure. */
export function parseGshadowFile(text: string): Map<string, readonly string[]> {
  const out = new Map<string, readonly string[]>();
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields.length !== 4 || !fieldName.test(fields[0]!)) continue;
    out.set(fields[0]!, memberList(fields[3]));
  }
  return out;
}

/** parsePasswdFile reads /etc/passwd (`name:x:uid:gid:gecos:home:shell`) into its users. Pure. */
export function parsePasswdFile(text: string): UserEntry[] {
  const out: UserEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields.length !== 7 || !fieldName.test(fields[0]!) || !numeric.test(fields[3]!)) continue;
    out.push({name: fields[0]!, gid: Number(fields[3])});
  }
  return out;
}

/** parseLoginDefs reads the system gid range from login.defs; settings it leaves out keep shadow's defaults. Pure. */
export function parseLoginDefs(text: string): GidRange {
  const value = (key: string): number | undefined => {
    const match = new RegExp(`^\\s*${key}\\s+(\\d{1,10})\\s*$`, 'm').exec(text);
    return match ? Number(match[1]) : undefined;
  };
  const gidMin = value('GID_MIN');
  const min = value('SYS_GID_MIN') ?? defaultSystemGids.min;
  const max = value('SYS_GID_MAX') ?? (gidMin !== undefined ? gidMin - 1 : defaultSystemGids.max);
  return {min, max};
}

/**
 * GroupOriginal is what cosi found before its first change to a group: whether it existed, and its gid and members
 * then. Removing the group from the document puts this back: members cosi added go, a group cosi created goes
 * (when nothing else uses it).
 */
export type GroupOriginal =
  {readonly exists: false} | {readonly exists: true; readonly gid: number; readonly members: readonly string[]};

/** GroupApplied is what cosi last applied to a group: its gid and the members the document listed. */
export interface GroupApplied {
  readonly gid: number;
  readonly members: readonly string[];
}

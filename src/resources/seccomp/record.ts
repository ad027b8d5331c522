/** ProfileSummary is how a profile file shows in a plan's before/after: where, which content, what it does. */
export interface ProfileSummary {
  readonly dir: string;
  readonly path: string;
  /** sha256 of the canonical JSON, shortened. */
  readonly digest: string;
  readonly defaultAction?: string;
  readonly rules?: number;
}

/**
 * ProfileRecord is cosi's state for a profile it wrote: the file's content before cosi's first write (`null`:
 * there was none; removing the profile from the document restores it or removes the file), and what was applied.
 */
export interface ProfileRecord {
  readonly original: {readonly path: string; readonly content: string | null};
  readonly applied: ProfileSummary;
}

/**
 * Limits on input documents. They keep hostile input (huge files, alias bombs, deep nesting) from exhausting
 * memory or time: every limit ends in a diagnostic within milliseconds.
 */
export const limits = {
  /**
   * Largest document or patch file accepted, in bytes. Real node documents are a few kilobytes; a document carrying
   * several full seccomp profiles stays under 200 KiB. The YAML parser needs about 0.1 s per 1,000 lines on a
   * loaded 2-core machine, so size and lines are both bounded to keep every rejection under a second.
   */
  maxFileBytes: 512 * 1024,
  /** Most lines in a document or patch file. */
  maxLines: 10_000,
  /** Largest number of alias expansions in one document. */
  maxAliasCount: 100,
  /** Deepest nesting of collections. */
  maxDepth: 64,
  /** Most schema problems reported for one document; locating each is linear in the size of its map. */
  maxDiagnostics: 100,
} as const;

/**
 * Limits on input documents. They keep hostile input (huge files, alias bombs, deep nesting) from exhausting
 * memory or time: every limit ends in a diagnostic within milliseconds.
 */
export const limits = {
  /** Largest document or patch file accepted, in bytes. Real node documents are a few kilobytes. */
  maxFileBytes: 1024 * 1024,
  /** Largest number of alias expansions in one document. */
  maxAliasCount: 100,
  /** Deepest nesting of collections. */
  maxDepth: 64,
  /** Most schema problems reported for one document; locating each is linear in the size of its map. */
  maxDiagnostics: 100,
} as const;

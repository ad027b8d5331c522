import fc from 'fast-check';

// The pieces shared by the version-ordering oracle suites (dpkg and rpm): small generators, and pairs of versions
// that are mostly a version and a small edit of it, so that they share a prefix and differ where the rules are subtle.

export const pick = (...xs: string[]) => fc.constantFrom(...xs);

/** num is a digit run: small numbers, leading zeros, and runs beyond 2^64. */
export const num = fc.oneof(
  fc.nat({max: 20}).map(String),
  pick('0', '00', '01', '007', '10', '2024', '99999999999999999999', '100000000000000000000'),
);

interface Edit {
  readonly at: number;
  readonly kind: 'insert' | 'replace' | 'delete' | 'append';
  readonly text: string;
}

function applyEdits(a: string, edits: readonly Edit[]): string {
  let b = a;
  for (const {at, kind, text} of edits) {
    const i = at % (b.length + 1);
    if (kind === 'insert') b = b.slice(0, i) + text + b.slice(i);
    else if (kind === 'replace') b = b.slice(0, i) + text + b.slice(i + text.length);
    else if (kind === 'delete') b = b.slice(0, i) + b.slice(i + 1);
    else b = b + text;
  }
  return b;
}

/**
 * versionPairs gives pairs of versions: three in ten independent, seven in ten a version and one or two edits of it
 * (inserting, replacing or appending a piece or one of `texts`, or deleting a character). `settle` turns an edited
 * version that the format rejects into one it accepts.
 */
export function versionPairs(
  version: fc.Arbitrary<string>,
  piece: fc.Arbitrary<string>,
  texts: readonly string[],
  settle: (original: string, edited: string) => string,
): fc.Arbitrary<[string, string]> {
  const edit: fc.Arbitrary<Edit> = fc.record({
    at: fc.nat(),
    kind: fc.constantFrom('insert' as const, 'replace' as const, 'delete' as const, 'append' as const),
    text: fc.oneof(piece, pick(...texts)),
  });
  return fc.oneof(
    {weight: 3, arbitrary: fc.tuple(version, version)},
    {
      weight: 7,
      arbitrary: fc
        .tuple(version, fc.array(edit, {minLength: 1, maxLength: 2}))
        .map(([a, edits]): [string, string] => [a, settle(a, applyEdits(a, edits))]),
    },
  );
}

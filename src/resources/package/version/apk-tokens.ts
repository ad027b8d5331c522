/**
 * ApkTokenKind is one kind of token of an Alpine version `digit{.digit}...{letter}{_suf{#}}...{~hash}{-r#}`, in the
 * order apk-tools requires them to appear. The order also decides comparisons when one version runs out of tokens.
 */
export type ApkTokenKind =
  'initialDigit' | 'digit' | 'letter' | 'suffix' | 'suffixNumber' | 'commitHash' | 'revision' | 'end' | 'invalid';

/** apkTokenRank is the position of each token kind in apk-tools' `enum PARTS`. */
export const apkTokenRank: Readonly<Record<ApkTokenKind, number>> = {
  initialDigit: 0,
  digit: 1,
  letter: 2,
  suffix: 3,
  suffixNumber: 4,
  commitHash: 5,
  revision: 6,
  end: 7,
  invalid: 8,
};

/** apkSuffixRank orders the `_suffix` words: pre-releases below 5 (no suffix), post-releases above. */
export const apkSuffixRank: Readonly<Record<string, number>> = {
  alpha: 1,
  beta: 2,
  pre: 3,
  rc: 4,
  cvs: 6,
  svn: 7,
  git: 8,
  hg: 9,
  p: 10,
};

/** apkNoSuffixRank is the rank a version without a suffix has against suffixed ones. */
export const apkNoSuffixRank = 5;

/** ApkToken is one token: its kind, its text, and the values apk-tools compares. */
export interface ApkToken {
  readonly kind: ApkTokenKind;
  /** The digits, the letter, the suffix word or the hash; empty for `end` and `invalid`. */
  readonly text: string;
  /** Digit tokens: the value as apk-tools reads it, an unsigned 64-bit integer that wraps around. */
  readonly number: bigint;
  /** Offset of the token's first character (for `invalid`: of the offending character). */
  readonly offset: number;
}

/**
 * tokenizeApkVersion splits a version the way apk-tools' `token_first`/`token_next` do. The result always ends with
 * one `end` token (a valid version) or one `invalid` token (where the version stopped being valid). Pure.
 */
export function tokenizeApkVersion(version: string): ApkToken[] {
  const tokens: ApkToken[] = [];
  let pos = 0;
  let kind: ApkTokenKind = 'initialDigit';
  const invalid = (at: number): ApkToken[] => [...tokens, token('invalid', '', at)];

  const digits = readRun(version, pos, isDigit);
  if (digits === '') return invalid(0);
  tokens.push(token('initialDigit', digits, 0));
  pos += digits.length;

  while (pos < version.length) {
    const c = version[pos]!;
    const rank = apkTokenRank[kind];
    const start = pos;
    if (c >= 'a' && c <= 'z') {
      if (rank > apkTokenRank.digit) return invalid(pos);
      kind = 'letter';
      tokens.push(token(kind, c, start));
      pos++;
    } else if (c === '.' || isDigit(c)) {
      if (c === '.' && rank > apkTokenRank.digit) return invalid(pos);
      if (c === '.') pos++;
      if (kind === 'initialDigit' || kind === 'digit') kind = 'digit';
      else if (kind === 'suffix') kind = 'suffixNumber';
      else return invalid(start);
      const run = readRun(version, pos, isDigit);
      if (run === '') return invalid(pos);
      tokens.push(token(kind, run, start));
      pos += run.length;
    } else if (c === '_') {
      if (rank > apkTokenRank.suffixNumber) return invalid(pos);
      const word = readRun(version, pos + 1, (x) => x >= 'a' && x <= 'z');
      if (!Object.hasOwn(apkSuffixRank, word)) return invalid(pos);
      kind = 'suffix';
      tokens.push(token(kind, word, start));
      pos += 1 + word.length;
    } else if (c === '~') {
      if (rank >= apkTokenRank.commitHash) return invalid(pos);
      const hash = readRun(version, pos + 1, isLowerHexDigit);
      if (hash === '') return invalid(pos);
      kind = 'commitHash';
      tokens.push(token(kind, hash, start));
      pos += 1 + hash.length;
    } else if (c === '-') {
      if (rank >= apkTokenRank.revision || version[pos + 1] !== 'r') return invalid(pos);
      const run = readRun(version, pos + 2, isDigit);
      if (run === '') return invalid(pos);
      kind = 'revision';
      tokens.push(token(kind, run, start));
      pos += 2 + run.length;
    } else {
      return invalid(pos);
    }
  }
  return [...tokens, token('end', '', pos)];
}

function token(kind: ApkTokenKind, text: string, offset: number): ApkToken {
  const numeric = kind === 'initialDigit' || kind === 'digit' || kind === 'suffixNumber' || kind === 'revision';
  return {kind, text, number: numeric ? BigInt.asUintN(64, BigInt(text)) : 0n, offset};
}

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

function isLowerHexDigit(c: string): boolean {
  return isDigit(c) || (c >= 'a' && c <= 'f');
}

function readRun(s: string, start: number, inRun: (c: string) => boolean): string {
  let end = start;
  while (end < s.length && inRun(s[end]!)) end++;
  return s.slice(start, end);
}

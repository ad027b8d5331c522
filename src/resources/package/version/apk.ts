import {assertNever} from './assert-never.js';
import {apkNoSuffixRank, apkSuffixRank, apkTokenRank, tokenizeApkVersion, type ApkToken} from './apk-tokens.js';
import type {Ordering} from './ordering.js';
import {parseError, parsed, type ParseResult} from './parse-result.js';

/** ApkVersion is a valid Alpine version `digit{.digit}...{letter}{_suf{#}}...{~hash}{-r#}` split in its parts. */
export interface ApkVersion {
  /** Everything before `~hash` and `-rN`, e.g. `1.2.3_rc1`. */
  readonly upstream: string;
  /** The hex digits after `~`, when present. */
  readonly commitHash: string | undefined;
  /** The digits after `-r`, when present. apk orders a version without a revision below `-r0`. */
  readonly revision: string | undefined;
}

/**
 * parseApkVersion validates a version as apk-tools' `apk_version_validate` does (apk-tools 2.14/3.x rules) and splits
 * it. Errors name the first character where the version stops being valid. Pure.
 */
export function parseApkVersion(text: string): ParseResult<ApkVersion> {
  const tokens = tokenizeApkVersion(text);
  const last = tokens[tokens.length - 1]!;
  if (last.kind === 'invalid') {
    const found = last.offset < text.length ? `\`${text[last.offset]}\` at offset ${last.offset}` : 'its end';
    return parseError(
      `Expected an Alpine version like \`1.2.3_rc1-r0\` (digits and dots, one letter, _alpha/_beta/_pre/_rc/_cvs/_svn/_git/_hg/_p suffixes, ~hash, -rN), got \`${text}\`: unexpected ${found}`,
    );
  }
  const hash = tokens.find((t) => t.kind === 'commitHash');
  const revision = tokens.find((t) => t.kind === 'revision');
  const upstreamEnd = hash?.offset ?? revision?.offset ?? text.length;
  return parsed({upstream: text.slice(0, upstreamEnd), commitHash: hash?.text, revision: revision?.text});
}

/**
 * compareApkVersions orders two Alpine versions as apk-tools' `apk_version_compare` does: token by token, digits
 * numerically (but as strings when either has a leading zero, `1.02` < `1.1`), pre-release suffixes
 * (`_alpha` < `_beta` < `_pre` < `_rc`) below no suffix, post-release ones (`_cvs` < `_svn` < `_git` < `_hg` < `_p`)
 * above, then `~hash`, then `-rN`. It is total like apk: invalid versions compare up to the first invalid character.
 * Pure.
 */
export function compareApkVersions(a: string, b: string): Ordering {
  const ta = tokenizeApkVersion(a);
  const tb = tokenizeApkVersion(b);
  let i = 0;
  while (ta[i]!.kind === tb[i]!.kind && apkTokenRank[ta[i]!.kind] < apkTokenRank.end) {
    const order = compareTokens(ta[i]!, tb[i]!);
    if (order !== 0) return order;
    i++;
  }
  const x = ta[i]!;
  const y = tb[i]!;
  if (x.kind === y.kind) return 0;
  // One version goes on where the other stopped: it is newer unless it goes on with a pre-release suffix.
  if (x.kind === 'suffix' && apkSuffixRank[x.text]! < apkNoSuffixRank) return -1;
  if (y.kind === 'suffix' && apkSuffixRank[y.text]! < apkNoSuffixRank) return 1;
  return apkTokenRank[x.kind] > apkTokenRank[y.kind] ? -1 : 1;
}

/** compareTokens is apk-tools' `token_cmp` for two tokens of the same kind. */
function compareTokens(x: ApkToken, y: ApkToken): Ordering {
  switch (x.kind) {
    case 'digit':
      // Gentoo rule: a leading zero makes the component a decimal fraction, compared as a string.
      if (x.text.startsWith('0') || y.text.startsWith('0')) return compareStrings(x.text, y.text);
      return compareBigints(x.number, y.number);
    case 'initialDigit':
    case 'suffixNumber':
    case 'revision':
      return compareBigints(x.number, y.number);
    case 'letter':
    case 'commitHash':
      return compareStrings(x.text, y.text);
    case 'suffix':
      return compareBigints(BigInt(apkSuffixRank[x.text]!), BigInt(apkSuffixRank[y.text]!));
    case 'end':
    case 'invalid':
      return 0;
    default:
      return assertNever(x.kind, 'apk token kind');
  }
}

function compareBigints(a: bigint, b: bigint): Ordering {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareStrings(a: string, b: string): Ordering {
  return a < b ? -1 : a > b ? 1 : 0;
}

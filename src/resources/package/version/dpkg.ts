import {isAsciiAlnum, isAsciiDigit, isAsciiLetter} from './char-class.js';
import {compareDigitRuns, orderingOf, type Ordering} from './ordering.js';
import {parseError, parsed, type ParseResult} from './parse-result.js';

/** DpkgVersion is a Debian version split as dpkg splits it: `[epoch:]upstream[-revision]`. */
export interface DpkgVersion {
  /** 0 when the version has no `epoch:` prefix. */
  readonly epoch: number;
  readonly upstream: string;
  /** Empty when the version has no `-revision`; dpkg compares a missing revision like `0`. */
  readonly revision: string;
}

const maxEpoch = 2_147_483_647; // dpkg rejects epochs above INT_MAX
const upstreamPunctuation = '.+~-:';
const revisionPunctuation = '.+~';

/**
 * parseDpkgVersion validates a Debian version by dpkg's `parseversion` rules and splits it. Leading and trailing
 * blanks are ignored as dpkg ignores them. Errors: empty text, embedded blanks, an epoch that is not a number up to
 * 2147483647, nothing after the epoch colon, an empty revision after the last `-`, an upstream part that is empty or
 * does not start with a digit, and characters outside `[A-Za-z0-9.+~:-]` (upstream) or `[A-Za-z0-9.+~]` (revision).
 * dpkg only warns about the last two; cosi refuses them, as Debian policy does. Unlike strtol, the epoch may not carry
 * a sign. Pure.
 */
export function parseDpkgVersion(text: string): ParseResult<DpkgVersion> {
  const v = trimBlanks(text);
  if (v === '') return parseError('Expected a Debian version, got an empty string');
  if (/[ \t]/.test(v)) return parseError(`Expected a Debian version without blanks, got \`${text}\``);
  const {epochText, upstream, revision} = splitDpkgVersion(v);
  let epoch = 0;
  if (epochText !== undefined) {
    if (!/^[0-9]+$/.test(epochText)) {
      return parseError(`Expected the epoch of \`${v}\` (before \`:\`) to be a number, got \`${epochText}\``);
    }
    epoch = Number(epochText.length > 10 ? Infinity : epochText);
    if (epoch > maxEpoch)
      return parseError(`Expected the epoch of \`${v}\` to be at most ${maxEpoch}, got ${epochText}`);
    if (upstream === '' && revision === undefined) return parseError(`Expected a version after the epoch in \`${v}\``);
  }
  if (revision === '') return parseError(`Expected a revision after the last \`-\` in \`${v}\``);
  if (upstream === '') return parseError(`Expected an upstream version in \`${v}\`, got nothing`);
  if (!isAsciiDigit(upstream[0])) {
    return parseError(`Expected the upstream version of \`${v}\` to start with a digit, got \`${upstream[0]}\``);
  }
  const badUpstream = [...upstream].find((c) => !isAsciiAlnum(c) && !upstreamPunctuation.includes(c));
  if (badUpstream !== undefined) {
    return parseError(
      `Expected only letters, digits and \`.+~-:\` in the upstream version of \`${v}\`, got \`${badUpstream}\``,
    );
  }
  const badRevision = [...(revision ?? '')].find((c) => !isAsciiAlnum(c) && !revisionPunctuation.includes(c));
  if (badRevision !== undefined) {
    return parseError(`Expected only letters, digits and \`.+~\` in the revision of \`${v}\`, got \`${badRevision}\``);
  }
  return parsed({epoch, upstream, revision: revision ?? ''});
}

/**
 * compareDpkgVersions orders two Debian versions exactly as `dpkg --compare-versions` does: epochs numerically,
 * then upstream, then revision, each with dpkg's `verrevcmp`. It is total: text that parseDpkgVersion rejects is
 * still ordered (an epoch prefix that is not all digits counts as part of the upstream version), so validate user
 * input first. Pure.
 */
export function compareDpkgVersions(a: string, b: string): Ordering {
  const x = splitDpkgVersion(trimBlanks(a));
  const y = splitDpkgVersion(trimBlanks(b));
  const epochOrder = compareDigitRuns(epochDigits(x.epochText), epochDigits(y.epochText));
  if (epochOrder !== 0) return epochOrder;
  const upstreamOrder = verrevcmp(x.upstream, y.upstream);
  if (upstreamOrder !== 0) return upstreamOrder;
  return verrevcmp(x.revision ?? '', y.revision ?? '');
}

/** dpkg trims spaces and tabs (c_isblank), not other white space. */
function trimBlanks(text: string): string {
  return text.replace(/^[ \t]+|[ \t]+$/g, '');
}

interface DpkgParts {
  readonly epochText: string | undefined;
  readonly upstream: string;
  readonly revision: string | undefined;
}

/** The epoch ends at the first colon, the revision starts after the last hyphen (dpkg's strchr and strrchr). */
function splitDpkgVersion(v: string): DpkgParts {
  const colon = v.indexOf(':');
  const epochText = colon >= 0 ? v.slice(0, colon) : undefined;
  const rest = colon >= 0 ? v.slice(colon + 1) : v;
  const hyphen = rest.lastIndexOf('-');
  return hyphen >= 0
    ? {epochText, upstream: rest.slice(0, hyphen), revision: rest.slice(hyphen + 1)}
    : {epochText, upstream: rest, revision: undefined};
}

function epochDigits(epochText: string | undefined): string {
  return epochText !== undefined && /^[0-9]+$/.test(epochText) ? epochText : '0';
}

/**
 * verrevcmp is dpkg's comparison of one version part: alternate non-digit runs (compared character by character
 * with `~` lowest, then end of string, then letters, then other characters) and digit runs (compared numerically).
 */
function verrevcmp(a: string, b: string): Ordering {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isAsciiDigit(a[i])) || (j < b.length && !isAsciiDigit(b[j]))) {
      const ac = charOrder(a[i]);
      const bc = charOrder(b[j]);
      if (ac !== bc) return orderingOf(ac - bc);
      i++;
      j++;
    }
    const runA = digitRunAt(a, i);
    const runB = digitRunAt(b, j);
    const runOrder = compareDigitRuns(runA, runB);
    if (runOrder !== 0) return runOrder;
    i += runA.length;
    j += runB.length;
  }
  return 0;
}

/** charOrder is dpkg's `order()`: `~` < end of string and digits < letters < everything else. */
function charOrder(c: string | undefined): number {
  if (c === undefined || isAsciiDigit(c)) return 0;
  if (isAsciiLetter(c)) return c.charCodeAt(0);
  if (c === '~') return -1;
  return c.charCodeAt(0) + 256;
}

function digitRunAt(s: string, start: number): string {
  let end = start;
  while (isAsciiDigit(s[end])) end++;
  return s.slice(start, end);
}

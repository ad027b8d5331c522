import {isAsciiAlnum, isAsciiDigit, isAsciiLetter} from './char-class.js';
import {compareDigitRuns, type Ordering} from './ordering.js';

/**
 * rpmvercmp compares one version or release string exactly as rpm's `rpmvercmp()` (rpm ≥ 4.15) does. Characters
 * other than ASCII letters, digits, `~` and `^` only separate segments. `~` sorts before everything, even the end of
 * the string (`1.0~rc1` < `1.0`); `^` sorts after the end of the string but before any further segment
 * (`1.0` < `1.0^git1` < `1.0.1`). Digit segments compare numerically without overflow and beat letter segments;
 * letter segments compare byte-wise. Pure and total.
 */
export function rpmvercmp(a: string, b: string): Ordering {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while (i < a.length && isSeparator(a[i]!)) i++;
    while (j < b.length && isSeparator(b[j]!)) j++;

    const mark = compareMarks(a[i], b[j]);
    if (mark === 'both') {
      i++;
      j++;
      continue;
    }
    if (mark !== undefined) return mark;
    if (i >= a.length || j >= b.length) break;

    const numeric = isAsciiDigit(a[i]);
    const inSegment = numeric ? isAsciiDigit : isAsciiLetter;
    const segA = runAt(a, i, inSegment);
    const segB = runAt(b, j, inSegment);
    // The segments are of different kinds: a number is newer than letters.
    if (segB === '') return numeric ? 1 : -1;
    const order = numeric ? compareDigitRuns(segA, segB) : compareBytes(segA, segB);
    if (order !== 0) return order;
    i += segA.length;
    j += segB.length;
  }
  if (i >= a.length && j >= b.length) return 0;
  // Equal segments, different separators: whichever has characters left wins.
  return i >= a.length ? -1 : 1;
}

/**
 * compareMarks is rpm's handling of `~` and `^` at the current position of each string (undefined: its end), in
 * rpm's order: an ordering when a mark decides, `both` when both strings have the same mark there (rpm skips it in
 * both), undefined when neither has a mark (the segments decide).
 */
function compareMarks(a: string | undefined, b: string | undefined): Ordering | 'both' | undefined {
  // The tilde sorts before everything else, even the end of the string.
  if (a === '~' || b === '~') {
    if (a !== '~') return 1;
    if (b !== '~') return -1;
    return 'both';
  }
  if (a === '^' || b === '^') {
    // A caret beats the end of the string but loses to any other segment.
    if (a === undefined) return -1;
    if (b === undefined) return 1;
    if (a !== '^') return 1;
    if (b !== '^') return -1;
    return 'both';
  }
  return undefined;
}

function isSeparator(c: string): boolean {
  return !isAsciiAlnum(c) && c !== '~' && c !== '^';
}

function runAt(s: string, start: number, inRun: (c: string | undefined) => boolean): string {
  let end = start;
  while (end < s.length && inRun(s[end])) end++;
  return s.slice(start, end);
}

function compareBytes(a: string, b: string): Ordering {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Ordering is the result of a three-way version comparison: -1 (less), 0 (equal) or 1 (greater). */
export type Ordering = -1 | 0 | 1;

/** orderingOf maps any number to its sign as an Ordering; NaN is a bug in the caller and maps to 0. */
export function orderingOf(n: number): Ordering {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

/**
 * compareDigitRuns compares two strings of ASCII digits as unbounded natural numbers: leading zeros are ignored,
 * then the longer run is greater, then the first differing digit decides. Never converts to Number, so runs longer
 * than 15 digits (dates with times, git timestamps) compare exactly.
 */
export function compareDigitRuns(a: string, b: string): Ordering {
  const x = stripLeadingZeros(a);
  const y = stripLeadingZeros(b);
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

function stripLeadingZeros(digits: string): string {
  let i = 0;
  while (i < digits.length && digits[i] === '0') i++;
  return digits.slice(i);
}

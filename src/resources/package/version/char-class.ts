/** isAsciiDigit reports whether `c` is one of `0`–`9` (C's isdigit in the C locale). Empty string is not a digit. */
export function isAsciiDigit(c: string | undefined): boolean {
  return c !== undefined && c.length === 1 && c >= '0' && c <= '9';
}

/** isAsciiLetter reports whether `c` is one of `a`–`z`, `A`–`Z` (C's isalpha in the C locale). */
export function isAsciiLetter(c: string | undefined): boolean {
  return c !== undefined && c.length === 1 && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
}

/** isAsciiAlnum reports whether `c` is an ASCII digit or letter. */
export function isAsciiAlnum(c: string | undefined): boolean {
  return isAsciiDigit(c) || isAsciiLetter(c);
}

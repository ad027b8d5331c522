/** foldValue normalizes a sysctl value for comparison: runs of white space fold to one space, ends trimmed. */
export function foldValue(value: string | number): string {
  return String(value).trim().replace(/\s+/g, ' ');
}

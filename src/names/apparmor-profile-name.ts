/**
 * isProfileName mirrors the schema's pattern: one path component of letters, digits and `_ . + -`, not starting with
 * `-` or `.`, without `..`, so that it is safe as a file name under /etc/apparmor.d and on a command line. Pure.
 */
export function isProfileName(name: string): boolean {
  return /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/.test(name) && !name.includes('..') && name.length <= 200;
}

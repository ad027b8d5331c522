/** apparmorDir is where the node's AppArmor policy lives; apparmor.service loads every profile file in it at boot. */
export const apparmorDir = '/etc/apparmor.d';

/** profilePath is the node path of the file cosi writes for profile `name` (a single, checked path component). */
export function profilePath(name: string): string {
  if (!isProfileName(name))
    throw new Error(
      `internal error (this is a bug in cosi): ${JSON.stringify(name)} is not a safe AppArmor profile name`,
    );
  return `${apparmorDir}/${name}`;
}

/**
 * isProfileName mirrors the schema's pattern: one path component of letters, digits and `_ . + -`, not starting with
 * `-` or `.`, without `..`, so that it is safe as a file name under /etc/apparmor.d and on a command line. Pure.
 */
export function isProfileName(name: string): boolean {
  return /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/.test(name) && !name.includes('..') && name.length <= 200;
}

/** ProfileMode is how the kernel enforces a loaded profile (`/sys/kernel/security/apparmor/profiles`). */
export type ProfileMode = string;

/**
 * declaredMode reads the mode a profile text asks for from the flags of its `profile NAME` (or `NAME`) declaration:
 * `complain`, `kill` or `unconfined` when among the flags, else `enforce`. Pure.
 */
export function declaredMode(name: string, text: string): ProfileMode {
  const escaped = name.replace(/[.+]/g, (c) => `\\${c}`);
  const declaration = new RegExp(
    `^\\s*(?:profile\\s+)?"?${escaped}"?(?:\\s+\\S+)?\\s+(?:flags\\s*=\\s*)?\\(([^)]*)\\)`,
    'm',
  ).exec(text);
  const flags = (declaration?.[1] ?? '').split(/[\s,]+/);
  for (const mode of ['complain', 'kill', 'unconfined']) if (flags.includes(mode)) return mode;
  return 'enforce';
}

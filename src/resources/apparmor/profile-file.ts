import {isProfileName} from '../../names/apparmor-profile-name.js';

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

/** kernelProfilesFile lists the profiles loaded in the kernel, `NAME (MODE)` a line (securityfs). */
export const kernelProfilesFile = '/sys/kernel/security/apparmor/profiles';

/** apparmorEnabledFile says whether the kernel's AppArmor is enabled (`Y`/`N`); missing without AppArmor. */
export const apparmorEnabledFile = '/sys/module/apparmor/parameters/enabled';

/** parseKernelProfiles reads the loaded profiles and their modes: profile name -> mode. Pure. */
export function parseKernelProfiles(text: string): Record<string, string> {
  const loaded: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^(.*) \(([a-z_-]+)\)$/.exec(line.trim());
    if (m) loaded[m[1]!] = m[2]!;
  }
  return loaded;
}

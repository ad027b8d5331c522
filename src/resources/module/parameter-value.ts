/**
 * sameParameterValue compares a desired module parameter with the value /sys/module shows: booleans as the
 * kernel prints them (`Y`/`N`, also accepting 1/0, y/n, true/false, on/off), everything else trimmed. Pure.
 */
export function sameParameterValue(live: string, desired: string): boolean {
  const a = live.trim();
  const b = desired.trim();
  if (a === b) return true;
  if (a === 'Y' || a === 'N') return asBoolean(b) === a;
  return false;
}

function asBoolean(value: string): 'Y' | 'N' | undefined {
  const v = value.toLowerCase();
  if (['y', '1', 'true', 'on', 'yes'].includes(v)) return 'Y';
  if (['n', '0', 'false', 'off', 'no'].includes(v)) return 'N';
  return undefined;
}

/** unsafeParameterValue says why a value cannot be passed to modprobe or written to modprobe.d, if it cannot. */
export function unsafeParameterValue(value: string): string | undefined {
  if (value.includes('"'))
    return "it contains a double quote, which the kernel's parameter parser cannot take inside a value";
  if (/[\\\n\r]/.test(value)) return 'it contains a backslash or a line break, which modprobe.d cannot hold';
  return undefined;
}

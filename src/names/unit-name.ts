const unitSuffixes = [
  '.service',
  '.socket',
  '.timer',
  '.mount',
  '.automount',
  '.path',
  '.target',
  '.slice',
  '.scope',
  '.swap',
  '.device',
];

/** fullUnitName completes a unit name as systemd does: without a known suffix, `.service` is meant. */
export function fullUnitName(name: string): string {
  return unitSuffixes.some((suffix) => name.endsWith(suffix)) ? name : `${name}.service`;
}

/**
 * isUnitName tells a systemd unit name that may reach a command line: the schema's `unitName` rule (letters, digits
 * and `: _ . @ - \`, not starting with `-` or `.`, no `..`, no `/`), at most 253 characters. For names read back from
 * the node (the journal).
 */
export function isUnitName(name: string): boolean {
  return name.length <= 253 && /^(?!.*\.\.)[A-Za-z0-9:_@\\][A-Za-z0-9:_.@\\-]*$/.test(name);
}

/**
 * safeUnitName accepts a systemd unit name that may reach `systemctl`'s command line from a hostile source (a
 * process's cgroup, a package's file list, cosi's policy-rc.d record): a {@link isUnitName} of at most 240
 * characters, at most 255 with its suffix, no template without an instance (`ssh@.service`). Returns the full name
 * (`.service` added when no suffix is given).
 */
export function safeUnitName(id: string): string | undefined {
  if (id.length > 240 || !isUnitName(id)) return undefined;
  const unit = fullUnitName(id);
  if (unit.length > 255 || /@\.[a-z]+$/.test(unit)) return undefined;
  return unit;
}

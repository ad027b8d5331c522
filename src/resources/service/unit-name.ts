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

import type {InstalledPackage, InstalledState} from '../backend.js';

/** dpkgQueryFormat is the `dpkg-query -W -f` format cosi parses: name, version, status abbreviation. */
export const dpkgQueryFormat = '${Package}\\t${Version}\\t${db:Status-Abbrev}\\n';

/**
 * parseDpkgQuery reads `dpkg-query -W -f '${Package}\t${Version}\t${db:Status-Abbrev}\n'`. The status abbreviation
 * is three letters: the wanted action (`h` = hold), the package state (`i` installed, `c` config-files, `n`
 * not-installed, `U F H W t` unpacked or half-done), and an error flag (`R` = reinstallation required). Not-installed
 * rows are dropped; for a package listed for several architectures, the first installed row wins. Pure.
 */
export function parseDpkgQuery(stdout: string): InstalledPackage[] {
  const byName = new Map<string, InstalledPackage>();
  for (const line of stdout.split('\n')) {
    const [name, version, abbrev] = line.split('\t');
    if (!name || version === undefined || abbrev === undefined || abbrev.length < 2) continue;
    const state = stateOf(abbrev[1]!, abbrev[2] ?? ' ');
    if (state === undefined) continue;
    const existing = byName.get(name);
    if (existing && existing.state !== 'config-files') continue;
    byName.set(name, {name, version, state, held: abbrev[0] === 'h'});
  }
  return [...byName.values()];
}

function stateOf(status: string, error: string): InstalledState | undefined {
  if (status === 'n') return undefined;
  if (status === 'c') return 'config-files';
  if (status === 'i' && error !== 'R') return 'installed';
  return 'broken';
}

/**
 * parseDpkgSearch reads `dpkg-query -S PATH…` into path -> owning package (the first owner when several share a
 * path; the architecture qualifier dropped). Diversion lines and "no path found" messages are skipped. Pure.
 */
export function parseDpkgSearch(stdout: string): Map<string, string> {
  const owners = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    if (line.startsWith('diversion by')) continue;
    const m = /^(.+?): (\/.*)$/.exec(line);
    if (!m) continue;
    const first = m[1]!
      .split(',')[0]!
      .trim()
      .replace(/:[a-z0-9-]+$/, '');
    if (!owners.has(m[2]!)) owners.set(m[2]!, first);
  }
  return owners;
}

import type {Offer} from '../backend.js';

/** dpkgStatusSource is the pseudo-source apt lists for the copy in dpkg's database: it offers nothing to install. */
const dpkgStatusSource = '/var/lib/dpkg/status';

/**
 * parseAptCachePolicy reads `apt-cache policy NAME…` for many names at once: per package its `Candidate:` and the
 * versions of its version table that at least one repository offers (a version whose only source is dpkg's status
 * file is installed, not on offer). Names apt does not know are absent (apt says so on stderr); a known name with
 * nothing on offer (a virtual package) has no versions. The `:arch` qualifier apt prints for foreign architectures
 * is kept, so `libc6:i386` never shadows `libc6`. Pure.
 */
export function parseAptCachePolicy(stdout: string): Map<string, Offer> {
  const offers = new Map<string, {versions: string[]; candidate?: string}>();
  let current: {versions: string[]; candidate?: string} | undefined;
  let version: string | undefined;
  let offered = false;
  const closeVersion = () => {
    if (current && version !== undefined && offered && !current.versions.includes(version))
      current.versions.push(version);
    version = undefined;
    offered = false;
  };
  for (const line of stdout.split('\n')) {
    if (/^\S.*:$/.test(line)) {
      closeVersion();
      current = {versions: []};
      offers.set(line.slice(0, -1), current);
      continue;
    }
    if (!current) continue;
    const candidate = /^ {2}Candidate: (\S+)$/.exec(line);
    if (candidate) {
      if (candidate[1] !== '(none)') current.candidate = candidate[1]!;
      continue;
    }
    const row = /^ (?:\*\*\*| {3}) (\S+) -?\d+$/.exec(line);
    if (row) {
      closeVersion();
      version = row[1]!;
      continue;
    }
    const source = /^ {8}-?\d+ (.+)$/.exec(line);
    if (source && version !== undefined && source[1]!.trim() !== dpkgStatusSource) offered = true;
  }
  closeVersion();
  return offers;
}

/**
 * parseAptSimulation reads `apt-get -s …` and returns the names it would remove (`Remv NAME [VERSION]` lines),
 * architecture qualifiers dropped. Pure.
 */
export function parseAptSimulation(stdout: string): string[] {
  const removed: string[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^Remv (\S+)/.exec(line);
    if (m) removed.push(m[1]!.replace(/:[a-z0-9-]+$/, ''));
  }
  return removed;
}

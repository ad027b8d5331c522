import type {Offer} from '../backend.js';
import {compareRpmVersions} from '../version/index.js';

/** repoqueryFormat prints name and `[epoch:]version-release` of each available package, tab-separated. */
export const repoqueryFormat = '%{name}\\t%{evr}\\n';

/**
 * parseDnfRepoquery reads `dnf repoquery --available --queryformat '%{name}\t%{evr}\n' NAME…`: every version the
 * enabled repositories offer, newest first. dnf has no separate candidate: it installs the newest, so the candidate
 * is the newest version. Names nothing offers are absent. Pure.
 */
export function parseDnfRepoquery(stdout: string): Map<string, Offer> {
  const versions = new Map<string, string[]>();
  for (const line of stdout.split('\n')) {
    const [name, evr] = line.split('\t');
    if (!name || !evr || /\s/.test(name)) continue;
    const list = versions.get(name) ?? [];
    if (!list.includes(evr)) list.push(evr);
    versions.set(name, list);
  }
  const offers = new Map<string, Offer>();
  for (const [name, list] of versions) {
    const sorted = [...list].sort((a, b) => compareRpmVersions(b, a));
    offers.set(name, {versions: sorted, candidate: sorted[0]!});
  }
  return offers;
}

/**
 * parseDnfRemoval reads the transaction table of `dnf remove --assumeno`: the names under every `Removing…:`
 * heading (the packages asked for and the dependent ones dnf would take with them). Pure.
 */
export function parseDnfRemoval(stdout: string): string[] {
  const removed: string[] = [];
  let inRemoving = false;
  for (const line of stdout.split('\n')) {
    if (/^Removing[^:]*:$/.test(line.trim()) && !line.startsWith(' ')) {
      inRemoving = true;
      continue;
    }
    if (!line.startsWith(' ')) {
      inRemoving = false;
      continue;
    }
    const m = /^ (\S+)\s+\S+\s+\S+/.exec(line);
    if (inRemoving && m) removed.push(m[1]!);
  }
  return removed;
}

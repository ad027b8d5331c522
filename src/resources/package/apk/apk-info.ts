import type {InstalledPackage, Offer} from '../backend.js';
import {compareApkVersions} from '../version/index.js';

/**
 * splitApkNameVersion splits apk's `NAME-VERSION-rN` at the version: the version is the last two `-` separated
 * fields when the last is `rN` (apk package names may themselves contain `-` and digits). Returns undefined for text
 * that is not in that shape.
 */
export function splitApkNameVersion(text: string): {name: string; version: string} | undefined {
  const m = /^(.+)-([^-]+-r\d+)$/.exec(text.trim());
  return m ? {name: m[1]!, version: m[2]!} : undefined;
}

/** parseApkInfo reads `apk info -v` (one `NAME-VERSION-rN` per line; warnings skipped). apk has no holds. Pure. */
export function parseApkInfo(stdout: string): InstalledPackage[] {
  const out: InstalledPackage[] = [];
  for (const line of stdout.split('\n')) {
    if (line.startsWith('WARNING') || line.includes(' ')) continue;
    const split = splitApkNameVersion(line);
    if (split) out.push({...split, state: 'installed', held: false});
  }
  return out;
}

/** installedDb is how `apk policy` names the installed-package database among a version's sources. */
const installedDb = 'lib/apk/db/installed';

/**
 * parseApkPolicy reads `apk policy NAME…`: a `NAME policy:` heading per package, then two-space indented
 * `VERSION:` rows each followed by four-space indented sources. A version is on offer when a source other than the
 * installed database lists it; the candidate is the newest on offer (apk installs the newest a repository pins
 * allow, and cosi does not read repository tags). Pure.
 */
export function parseApkPolicy(stdout: string): Map<string, Offer> {
  const versions = new Map<string, string[]>();
  let name: string | undefined;
  let version: string | undefined;
  for (const line of stdout.split('\n')) {
    const heading = /^(\S+) policy:$/.exec(line);
    if (heading) {
      name = heading[1]!;
      versions.set(name, []);
      version = undefined;
      continue;
    }
    const row = /^ {2}(\S+):$/.exec(line);
    if (row) {
      version = row[1]!;
      continue;
    }
    const source = /^ {4}(\S.*)$/.exec(line);
    if (source && name && version && source[1]!.trim() !== installedDb) {
      const list = versions.get(name)!;
      if (!list.includes(version)) list.push(version);
    }
  }
  const offers = new Map<string, Offer>();
  for (const [n, list] of versions) {
    const sorted = [...list].sort((a, b) => compareApkVersions(b, a));
    offers.set(n, sorted.length > 0 ? {versions: sorted, candidate: sorted[0]!} : {versions: []});
  }
  return offers;
}

/** parseApkWhoOwns reads `apk info --who-owns PATH…` (`PATH is owned by NAME-VERSION-rN`). Pure. */
export function parseApkWhoOwns(stdout: string): Map<string, string> {
  const owners = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const m = /^(\/\S*) is owned by (\S+)$/.exec(line.trim());
    const split = m ? splitApkNameVersion(m[2]!) : undefined;
    if (m && split) owners.set(m[1]!, split.name);
  }
  return owners;
}

/** parseApkDelSimulation reads `apk del -s NAME…` (`(1/2) Purging NAME (VERSION)` lines). Pure. */
export function parseApkDelSimulation(stdout: string): string[] {
  const removed: string[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^\(\d+\/\d+\) (?:Purging|Deleting) (\S+) \(/.exec(line.trim());
    if (m) removed.push(m[1]!);
  }
  return removed;
}

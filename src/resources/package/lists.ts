import type {Host} from '../../host/host.js';

/**
 * ListsLayout says where a package manager keeps its lists (the repositories' indexes) and how to tell when they were
 * last refreshed: `stamps` are paths whose modification time moves on every successful refresh (a stamp file, the
 * directories the refresh renames files into); `dir` holds the index files, and `index` recognizes one by name. The
 * index files' own times are not stamps: apt sets them to the server's Last-Modified time, not the download's.
 */
export interface ListsLayout {
  readonly dir: string;
  readonly index: RegExp;
  readonly stamps: readonly string[];
}

/**
 * ListsState is what the probe found: `missing` when no index file is there at all (a fresh image, `apt-get clean`
 * of the lists), else the age in seconds of the newest stamp (undefined when no stamp exists).
 */
export type ListsState = {readonly missing: true} | {readonly missing: false; readonly ageSeconds?: number};

/**
 * probeLists reads the lists' age from file times only (no process). A stamp time in the future counts as age 0.
 * Read-only.
 */
export async function probeLists(host: Host, layout: ListsLayout, nowMs: number): Promise<ListsState> {
  const entries = (await host.readDir(layout.dir)) ?? [];
  if (!entries.some((name) => layout.index.test(name))) return {missing: true};
  const times = (await Promise.all(layout.stamps.map((path) => host.stat(path)))).flatMap((s) =>
    s ? [s.mtimeMs] : [],
  );
  if (times.length === 0) return {missing: false};
  return {missing: false, ageSeconds: Math.max(0, Math.floor((nowMs - Math.max(...times)) / 1000))};
}

/** isStale tells whether lists in `state` are missing or older than `maxAgeSeconds` (no stamp at all: stale). */
export function isStale(state: ListsState, maxAgeSeconds: number): boolean {
  return state.missing || state.ageSeconds === undefined || state.ageSeconds > maxAgeSeconds;
}

/** describeAge says how old lists are, for reasons and warnings: `missing`, `3 d 4 h old`, `of unknown age`. */
export function describeLists(state: ListsState): string {
  if (state.missing) return 'missing';
  if (state.ageSeconds === undefined) return 'of unknown age (no refresh stamp)';
  return `${describeSeconds(state.ageSeconds)} old`;
}

/** describeSeconds writes a duration in its two largest units: `3 d 4 h`, `25 min`, `12 s`. */
export function describeSeconds(seconds: number): string {
  const parts: [number, string][] = [
    [Math.floor(seconds / 86400), 'd'],
    [Math.floor((seconds % 86400) / 3600), 'h'],
    [Math.floor((seconds % 3600) / 60), 'min'],
    [seconds % 60, 's'],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  if (first === -1) return '0 s';
  return parts
    .slice(first, first + 2)
    .filter(([n]) => n > 0)
    .map(([n, unit]) => `${n} ${unit}`)
    .join(' ');
}

/** staleWarningSeconds is how old lists may be, with refresh off, before a plan says it checked against stale lists. */
export const staleWarningSeconds = 86400;

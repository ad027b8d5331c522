import type {ProbeRequest} from '../../engine/provider.js';
import {managedOfKind} from '../../engine/state.js';
import type {Host} from '../../host/host.js';
import {checkContainment} from './containment.js';
import {canonicalText, cosiSubdir, defaultSeccompDir, profileNodePath} from './profile-file.js';
import type {ProfileRecord} from './record.js';

/** ObservedProfile is what is at one profile's path on the node. */
export type ObservedProfile =
  | {readonly state: 'missing'}
  | {readonly state: 'present'; readonly text: string; readonly canonical: string | null}
  | {readonly state: 'unsafe'; readonly reason: string};

/** SeccompObserved is the probed seccomp state: the files at every relevant profile path, by node path. */
export interface SeccompObserved {
  readonly dir: string;
  readonly files: Readonly<Record<string, ObservedProfile>>;
  /** With `exclusive`: regular files under `<dir>/cosi/` (relative to dir) that are not declared. */
  readonly undeclared: readonly string[];
  /** With `exclusive`: entries under `<dir>/cosi/` that cosi leaves alone (links, devices), relative to dir. */
  readonly skipped: readonly string[];
}

/** maxListed bounds the exclusive listing of cosi's subdirectory. */
const maxListed = 10000;

/**
 * probeSeccomp reads every declared profile path and every path cosi manages, after checking that it stays under
 * the seccomp root; with `exclusive`, it also lists cosi's subdirectory. Read-only.
 */
export async function probeSeccomp({host, desired, state}: ProbeRequest): Promise<SeccompObserved> {
  const section = desired.config.spec?.seccomp;
  const dir = section?.dir ?? defaultSeccompDir;
  const wanted = new Map<string, {dir: string; relative: string}>();
  for (const relative of Object.keys(section?.profiles ?? {}))
    wanted.set(profileNodePath(dir, relative), {dir, relative});
  for (const [, record] of managedOfKind(state, 'seccomp.profile')) {
    const applied = record.applied as ProfileRecord['applied'] | null;
    // Saved before a first write that was interrupted: only the original's path is known, under today's root.
    const where = applied ?? {dir, path: (record.original as ProfileRecord['original']).path};
    const root = where.dir.replace(/\/+$/, '');
    if (!where.path.startsWith(root + '/')) continue;
    wanted.set(where.path, {dir: where.dir, relative: where.path.slice(root.length + 1)});
  }
  const listing = section?.exclusive ? await listOwn(host, dir) : {files: [], skipped: []};
  const declared = new Set(Object.keys(section?.profiles ?? {}));
  const undeclared = listing.files.filter((relative) => !declared.has(relative));
  for (const relative of undeclared) wanted.set(profileNodePath(dir, relative), {dir, relative});
  const entries = await Promise.all(
    [...wanted].map(
      async ([nodePath, where]) => [nodePath, await readProfile(host, where.dir, where.relative, nodePath)] as const,
    ),
  );
  return {dir, files: Object.fromEntries(entries), undeclared, skipped: listing.skipped};
}

async function readProfile(host: Host, dir: string, relative: string, nodePath: string): Promise<ObservedProfile> {
  const containment = await checkContainment(host, dir, relative);
  if (!containment.ok) return {state: 'unsafe', reason: containment.reason};
  const text = await host.readText(nodePath);
  if (text === undefined) return {state: 'missing'};
  return {state: 'present', text, canonical: canonicalText(text) ?? null};
}

/** listOwn lists cosi's subdirectory of the seccomp root without following links. */
async function listOwn(host: Host, dir: string): Promise<{files: string[]; skipped: string[]}> {
  const files: string[] = [];
  const skipped: string[] = [];
  const top = await host.lstat(`${dir}/${cosiSubdir}`);
  if (!top) return {files, skipped};
  if (!top.isDirectory()) return {files, skipped: [cosiSubdir]};
  const pending = [cosiSubdir];
  while (pending.length > 0 && files.length + skipped.length < maxListed) {
    const relativeDir = pending.shift()!;
    for (const name of (await host.readDir(`${dir}/${relativeDir}`)) ?? []) {
      const relative = `${relativeDir}/${name}`;
      const info = await host.lstat(`${dir}/${relative}`);
      if (!info) continue;
      if (info.isDirectory()) pending.push(relative);
      else if (info.isFile()) files.push(relative);
      else skipped.push(relative);
    }
  }
  return {files, skipped};
}

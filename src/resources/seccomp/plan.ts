import {jsonDetails} from '../../plan/json-diff.js';
import type {SeccompProfile} from '../../config/generated/types.js';
import {error, warning, type Diagnostic} from '../../diag/diagnostic.js';
import {canonicalJson, digest} from '../../engine/digest.js';
import type {PlanRequest, ProviderPlan} from '../../engine/provider.js';
import {firstWriteUnrecorded, managedOfKind, type ManagedRecord} from '../../engine/state.js';
import type {Change} from '../../plan/change.js';
import {address} from '../../plan/resource-kind.js';
import {cosiSubdir, profileNodePath, renderProfile} from './profile-file.js';
import type {SeccompObserved} from './probe.js';
import type {ProfileRecord, ProfileSummary} from './record.js';

/** SeccompChangeData is what apply needs: where to write what, or what to put back. */
export interface SeccompChangeData {
  readonly dir: string;
  readonly relative: string;
  readonly path: string;
  /** create/update: the canonical file. */
  readonly write?: string;
  /** delete: the content to restore; undefined removes the file. */
  readonly restore?: string;
  /** The file found before cosi's first write, kept in state. */
  readonly original: ProfileRecord['original'];
  /** A file cosi wrote at another path for this address (the seccomp root changed): put back what was there. */
  readonly release?: {readonly dir: string; readonly path: string; readonly restore?: string};
}

/**
 * planSeccomp compares each declared profile with the file at its path as canonical JSON and plans `create` (not
 * managed yet), `update` (content drifted, or the seccomp root moved), `noop`; `delete` for managed profiles no
 * longer declared (the file cosi found is put back, or the file removed) and, with `exclusive`, for undeclared files
 * under cosi's own subdirectory. A path that would leave the seccomp root is an error. Pure.
 */
export function planSeccomp({desired, observed, state}: PlanRequest<SeccompObserved>): ProviderPlan<SeccompChangeData> {
  const changes: Change<SeccompChangeData>[] = [];
  const diagnostics: Diagnostic[] = [];
  const section = desired.config.spec?.seccomp;
  const profiles = section?.profiles ?? {};
  const dir = observed.dir;

  for (const [relative, profile] of Object.entries(profiles)) {
    const addr = address('seccomp.profile', relative);
    const path = profileNodePath(dir, relative);
    const found = observed.files[path] ?? {state: 'missing'};
    if (found.state === 'unsafe') {
      diagnostics.push(
        error(`seccomp profile ${relative} cannot be written: ${found.reason}`, {
          path: ['spec', 'seccomp', 'profiles', relative],
          address: addr,
        }),
      );
      continue;
    }
    const record = state.resources[addr] as (ManagedRecord & ProfileRecord) | undefined;
    // A record without `applied` is one the engine saved before a first write that was then interrupted.
    const moved = record?.applied && record.applied.path !== path ? record : undefined;
    const after = summarize(dir, path, profile);
    const before =
      found.state === 'present'
        ? {dir, path, digest: found.canonical === null ? 'not JSON' : digest(found.canonical)}
        : null;
    const matches = found.state === 'present' && found.canonical === canonicalJson(profile);
    const data: SeccompChangeData = {
      dir,
      relative,
      path,
      write: renderProfile(profile),
      original: {path, content: found.state === 'present' ? found.text : null},
      ...(moved ? {release: release(moved)} : {}),
    };
    const base = {
      address: addr,
      kind: 'seccomp.profile' as const,
      before,
      after,
      disruption: 'none' as const,
      dependsOn: [],
      inputs: digest({found, moved: moved?.applied.path ?? null}),
      data,
    };
    if (matches && !moved) {
      if (firstWriteUnrecorded(record))
        changes.push({
          ...base,
          action: 'update',
          reason: `${path} holds the profile; the write was interrupted before it was recorded`,
        });
      else changes.push({...base, action: 'noop', reason: 'the file holds the profile'});
      continue;
    }
    const reason = moved
      ? `the seccomp root moved from ${moved.applied.dir} to ${dir}: written at ${path}, and ${moved.applied.path} put back as cosi found it`
      : found.state === 'missing'
        ? `${path} does not exist`
        : found.canonical === null
          ? `${path} is not JSON`
          : record
            ? `${path} differs from the profile (changed outside cosi)`
            : `${path} holds another profile; cosi keeps it to restore when the profile leaves the document`;
    // On a first write the engine keeps the file as found before the write, so a crash right after it loses nothing.
    changes.push({
      ...base,
      action: record ? 'update' : 'create',
      reason,
      ...(record ? {} : {original: data.original}),
      details: [
        `${path}:`,
        ...jsonDetails(
          found.state === 'present' && found.canonical !== null ? JSON.parse(found.canonical) : undefined,
          profile,
        ),
      ],
    });
  }

  const planned = new Set(changes.map((c) => c.address));
  for (const [addr, managed] of managedOfKind(state, 'seccomp.profile')) {
    if (planned.has(addr)) continue;
    const record = managed as ManagedRecord & ProfileRecord;
    const path = record.applied?.path ?? record.original.path;
    const recordDir = record.applied?.dir ?? dir;
    const found = observed.files[path] ?? {state: 'missing'};
    if (found.state === 'unsafe') {
      diagnostics.push(
        error(`seccomp profile ${addr.slice('seccomp.profile.'.length)} cannot be removed: ${found.reason}`, {
          address: addr,
        }),
      );
      continue;
    }
    const restore = record.original.content ?? undefined;
    changes.push({
      address: addr,
      kind: 'seccomp.profile',
      action: 'delete',
      before:
        found.state === 'present'
          ? (record.applied ?? {
              dir: recordDir,
              path,
              digest: found.canonical === null ? 'not JSON' : digest(found.canonical),
            })
          : null,
      after: restore === undefined ? null : {path, digest: digest(restore)},
      reason:
        restore === undefined
          ? `no longer in the document: ${path} is removed`
          : `no longer in the document: ${path} gets back the content cosi found`,
      disruption: 'none',
      dependsOn: [],
      inputs: digest({found}),
      data: {
        dir: recordDir,
        relative: addr.slice('seccomp.profile.'.length),
        path,
        original: record.original,
        ...(restore !== undefined ? {restore} : {}),
      } satisfies SeccompChangeData,
    });
    planned.add(addr);
  }

  for (const relative of observed.undeclared) {
    const addr = address('seccomp.profile', relative);
    if (planned.has(addr)) continue;
    const path = profileNodePath(dir, relative);
    const found = observed.files[path] ?? {state: 'missing'};
    if (found.state !== 'present') continue;
    changes.push({
      address: addr,
      kind: 'seccomp.profile',
      action: 'delete',
      before: {dir, path, digest: found.canonical === null ? 'not JSON' : digest(found.canonical)},
      after: null,
      reason: `seccomp.exclusive: ${path} is under cosi's subdirectory ${dir}/${cosiSubdir} and not declared`,
      disruption: 'none',
      dependsOn: [],
      inputs: digest({found}),
      data: {dir, relative, path, original: {path, content: null}} satisfies SeccompChangeData,
    });
  }
  for (const relative of observed.skipped) {
    diagnostics.push(
      warning(`seccomp.exclusive leaves ${dir}/${relative} alone: it is not a regular file (a link or a device)`, {
        path: ['spec', 'seccomp', 'exclusive'],
      }),
    );
  }
  return {changes, diagnostics};
}

function summarize(dir: string, path: string, profile: SeccompProfile): ProfileSummary {
  return {
    dir,
    path,
    digest: digest(canonicalJson(profile)),
    defaultAction: profile.defaultAction,
    rules: profile.syscalls?.length ?? 0,
  };
}

function release(record: ProfileRecord): NonNullable<SeccompChangeData['release']> {
  const restore = record.original.content ?? undefined;
  return {dir: record.applied.dir, path: record.applied.path, ...(restore !== undefined ? {restore} : {})};
}

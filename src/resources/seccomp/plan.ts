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
  const planned = new Set<string>();
  const collect = (result: Change<SeccompChangeData> | Diagnostic | undefined) => {
    if (result === undefined) return;
    if ('severity' in result) diagnostics.push(result);
    else {
      changes.push(result);
      planned.add(result.address);
    }
  };
  const profiles = desired.config.spec?.seccomp?.profiles ?? {};
  const dir = observed.dir;
  for (const [relative, profile] of Object.entries(profiles)) collect(planDeclared(relative, profile, observed, state));
  for (const [addr, managed] of managedOfKind(state, 'seccomp.profile')) {
    if (!planned.has(addr)) collect(planReleased(addr, managed as ManagedRecord & ProfileRecord, observed));
  }
  for (const relative of observed.undeclared) {
    if (!planned.has(address('seccomp.profile', relative))) collect(planExclusive(relative, observed));
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

/** planDeclared plans one declared profile: create, update or noop, or the error that keeps it from being written. */
function planDeclared(
  relative: string,
  profile: SeccompProfile,
  observed: SeccompObserved,
  state: PlanRequest<SeccompObserved>['state'],
): Change<SeccompChangeData> | Diagnostic {
  const dir = observed.dir;
  const addr = address('seccomp.profile', relative);
  const path = profileNodePath(dir, relative);
  const found = observed.files[path] ?? {state: 'missing'};
  if (found.state === 'unsafe') {
    return error(`seccomp profile ${relative} cannot be written: ${found.reason}`, {
      path: ['spec', 'seccomp', 'profiles', relative],
      address: addr,
    });
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
      return {
        ...base,
        action: 'update',
        reason: `${path} holds the profile; the write was interrupted before it was recorded`,
      };
    return {...base, action: 'noop', reason: 'the file holds the profile'};
  }
  const reason = writeReason(dir, path, found, record, moved);
  // On a first write the engine keeps the file as found before the write, so a crash right after it loses nothing.
  return {
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
  };
}

function writeReason(
  dir: string,
  path: string,
  found: SeccompObserved['files'][string],
  record: ProfileRecord | undefined,
  moved: (ManagedRecord & ProfileRecord) | undefined,
): string {
  if (moved)
    return `the seccomp root moved from ${moved.applied.dir} to ${dir}: written at ${path}, and ${moved.applied.path} put back as cosi found it`;
  if (found.state === 'missing') return `${path} does not exist`;
  if (found.state === 'present' && found.canonical === null) return `${path} is not JSON`;
  if (record) return `${path} differs from the profile (changed outside cosi)`;
  return `${path} holds another profile; cosi keeps it to restore when the profile leaves the document`;
}

/** planReleased plans a managed profile no longer declared: the file cosi found is put back, or the file removed. */
function planReleased(
  addr: string,
  record: ManagedRecord & ProfileRecord,
  observed: SeccompObserved,
): Change<SeccompChangeData> | Diagnostic {
  const dir = observed.dir;
  const path = record.applied?.path ?? record.original.path;
  const recordDir = record.applied?.dir ?? dir;
  const found = observed.files[path] ?? {state: 'missing'};
  if (found.state === 'unsafe') {
    return error(`seccomp profile ${addr.slice('seccomp.profile.'.length)} cannot be removed: ${found.reason}`, {
      address: addr,
    });
  }
  const restore = record.original.content ?? undefined;
  return {
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
  };
}

/** planExclusive removes an undeclared file under cosi's own subdirectory (`seccomp.exclusive`). */
function planExclusive(relative: string, observed: SeccompObserved): Change<SeccompChangeData> | undefined {
  const dir = observed.dir;
  const addr = address('seccomp.profile', relative);
  const path = profileNodePath(dir, relative);
  const found = observed.files[path] ?? {state: 'missing'};
  if (found.state !== 'present') return undefined;
  return {
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
  };
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

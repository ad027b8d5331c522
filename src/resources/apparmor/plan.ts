import {error, warning, type Diagnostic} from '../../diag/diagnostic.js';
import {digest} from '../../engine/digest.js';
import type {PlanRequest, ProviderPlan} from '../../engine/provider.js';
import {firstWriteUnrecorded, managedOfKind, type ManagedRecord} from '../../engine/state.js';
import type {Change} from '../../plan/change.js';
import {address} from '../../plan/resource-kind.js';
import {apparmorEnabledFile} from './kernel-profiles.js';
import type {ParseResult} from './parser-output.js';
import type {ApparmorObserved, ObservedProfileFile} from './probe.js';
import {declaredMode, profilePath} from './profile-file.js';

/** parserPackages are the packages that ship apparmor_parser (Debian and Ubuntu; the RHEL family and SUSE). */
const parserPackages = ['apparmor', 'apparmor-parser'];

/** ApparmorRecord is what cosi remembers of a profile: the file it found first (restored on removal). */
export interface ApparmorRecord {
  readonly original: {readonly content: string | null};
  readonly applied: {readonly path: string; readonly digest: string; readonly mode: string} | null;
}

/** ApparmorChangeData is what apply does for one profile. */
export interface ApparmorChangeData {
  readonly name: string;
  readonly path: string;
  /** create/update: the text to write (undefined: the file holds it already) and load. */
  readonly write?: string;
  /** delete: the file cosi found, written back and loaded; undefined removes the file. */
  readonly restore?: string;
  /** delete: the profile is loaded and is unloaded first. */
  readonly unload?: boolean;
  /** delete with restore: the kernel has AppArmor, so the restored file is loaded. */
  readonly reload?: boolean;
  readonly original: ApparmorRecord['original'];
  /** create/update planned without apparmor_parser (it comes with a package in the same plan): apply checks first. */
  readonly check?: boolean;
}

/**
 * planApparmor plans each declared profile against its file under /etc/apparmor.d and the kernel's loaded profiles:
 * `create`/`update` when the file differs or the profile is not loaded in the mode its flags ask (`enforce` unless
 * `complain`…), `noop` otherwise; `delete` (unload, then remove the file or put back the one cosi found) for managed
 * profiles no longer declared. apparmor_parser's errors are plan errors at the profile's line in the document; a text
 * that does not declare the profile it is keyed by is an error. A kernel without AppArmor, or a node without
 * apparmor_parser, is an error for every declared profile: cosi does not write profiles it cannot check and load. Pure.
 */
export function planApparmor({
  desired,
  observed,
  state,
}: PlanRequest<ApparmorObserved>): ProviderPlan<ApparmorChangeData> {
  const changes: Change<ApparmorChangeData>[] = [];
  const diagnostics: Diagnostic[] = [];
  const profiles = desired.config.spec?.apparmor?.profiles ?? {};
  const ready: Readiness = Object.keys(profiles).length > 0 ? readiness(observed, desired) : {plannable: true};
  if (ready.problem) diagnostics.push(ready.problem);
  if (ready.plannable) {
    for (const [name, text] of Object.entries(profiles)) {
      const planned = planProfile(name, text, observed, state, ready.parserPackage);
      if (Array.isArray(planned)) diagnostics.push(...planned);
      else changes.push(planned);
    }
  }
  const planned = new Set(changes.map((c) => c.address));
  for (const [addr, managed] of managedOfKind(state, 'apparmor.profile')) {
    const name = addr.slice('apparmor.profile.'.length);
    if (planned.has(addr) || name in profiles) continue;
    const released = planReleased(addr, name, managed as ManagedRecord & ApparmorRecord, observed);
    if ('severity' in released) diagnostics.push(released);
    else changes.push(released);
  }
  return {changes, diagnostics};
}

/**
 * Readiness says whether declared profiles can be planned on this node: the problem found (an error when they
 * cannot), and the package of this plan that brings apparmor_parser when the node has none yet.
 */
interface Readiness {
  readonly plannable: boolean;
  readonly problem?: Diagnostic;
  readonly parserPackage?: string;
}

/** readiness checks the kernel (AppArmor enabled, securityfs readable) and apparmor_parser before profiles are planned. */
function readiness(observed: ApparmorObserved, desired: PlanRequest<ApparmorObserved>['desired']): Readiness {
  const where = {path: ['spec', 'apparmor', 'profiles']};
  if (observed.enabled !== true) {
    return {
      plannable: false,
      problem: error(
        observed.enabled === false
          ? `AppArmor is disabled in this kernel (${apparmorEnabledFile} is N; booted with apparmor=0?): profiles cannot be loaded, and pods naming localhost/<profile> would not start`
          : `this kernel has no AppArmor (${apparmorEnabledFile} is missing): profiles cannot be loaded, and pods naming localhost/<profile> would not start`,
        where,
      ),
    };
  }
  if (!observed.securityfs) {
    return {
      plannable: false,
      problem: error(
        `AppArmor is enabled but its loaded profiles cannot be read (is securityfs mounted at /sys/kernel/security?)`,
        where,
      ),
    };
  }
  if (observed.parser !== null) return {plannable: true};
  const provider = parserPackages.find((p) => desired.packages.install.has(p));
  if (provider === undefined) {
    return {
      plannable: false,
      problem: error(
        `apparmor_parser is not installed on the node (Debian's and Ubuntu's package apparmor, the RHEL family's apparmor-parser): cosi cannot check or load profiles without it; declare the package in spec.packages.install`,
        where,
      ),
    };
  }
  // The parser arrives with a package this plan installs: the profiles are checked by apply, before they are written.
  return {
    plannable: true,
    parserPackage: address('package', provider),
    problem: warning(
      `apparmor_parser is not installed yet: package ${provider} in this plan brings it, so the profiles are checked when applied (before they are written), not now`,
      where,
    ),
  };
}

/** planReleased plans a managed profile no longer declared: unloaded, then its file removed or put back as cosi found it. */
function planReleased(
  addr: string,
  name: string,
  record: ManagedRecord & ApparmorRecord,
  observed: ApparmorObserved,
): Change<ApparmorChangeData> | Diagnostic {
  const file = observed.files[name] ?? {state: 'missing'};
  if (file.state === 'unsafe')
    return error(`AppArmor profile ${name} cannot be removed: ${file.reason}`, {address: addr});
  const path = profilePath(name);
  const restore = record.original.content ?? undefined;
  const unload = observed.loaded[name] !== undefined;
  return {
    address: addr,
    kind: 'apparmor.profile',
    action: 'delete',
    before: {
      path,
      loaded: observed.loaded[name] ?? null,
      ...(file.state === 'present' ? {digest: digest(file.text)} : {}),
    },
    after: restore === undefined ? null : {path, digest: digest(restore)},
    reason: `no longer in the document: ${unload ? 'unloaded, and ' : ''}${restore === undefined ? `${path} removed` : `${path} gets back the profile cosi found${observed.enabled === true && observed.securityfs ? ', loaded again' : ''}`}`,
    disruption: 'none',
    dependsOn: [],
    inputs: digest({file, loaded: observed.loaded[name] ?? null}),
    data: {
      name,
      path,
      unload,
      original: record.original,
      ...(restore !== undefined ? {restore, reload: observed.enabled === true && observed.securityfs} : {}),
    } satisfies ApparmorChangeData,
  };
}

/** ProfileWhere is where a profile's problems point: its entry in the document and its address. */
type ProfileWhere = {path: string[]; address: string};

/**
 * planProfile plans one declared profile: its change, or the errors that keep it from being written (a file that is
 * not safe to write, apparmor_parser's complaints, a text that does not declare the profile it is keyed by).
 */
function planProfile(
  name: string,
  text: string,
  observed: ApparmorObserved,
  state: PlanRequest<ApparmorObserved>['state'],
  parserPackage?: string,
): Change<ApparmorChangeData> | Diagnostic[] {
  const addr = address('apparmor.profile', name);
  const where: ProfileWhere = {path: ['spec', 'apparmor', 'profiles', name], address: addr};
  const file = observed.files[name] ?? {state: 'missing'};
  if (file.state === 'unsafe') return [error(`AppArmor profile ${name} cannot be written: ${file.reason}`, where)];
  const rejected = parserProblems(name, observed.checks[name], where);
  if (rejected.length > 0) return rejected;
  const record = state.resources[addr] as (ManagedRecord & ApparmorRecord) | undefined;
  return planText(name, text, file, observed, record, parserPackage);
}

/** parserProblems turns apparmor_parser's verdict on a profile (if it ran) into errors at the profile's lines. */
function parserProblems(name: string, check: ParseResult | undefined, where: ProfileWhere): Diagnostic[] {
  if (check && !check.ok) {
    const messages =
      check.messages.length > 0
        ? check.messages
        : [{message: 'apparmor_parser rejected the profile and said nothing more'}];
    return messages.map((m) =>
      error(`AppArmor profile ${name}${m.line ? `, line ${m.line}` : ''}: ${m.message} (apparmor_parser)`, {
        ...where,
        ...(m.line ? {valueLine: m.line} : {}),
      }),
    );
  }
  if (check && !check.names.includes(name)) {
    return [
      error(
        `AppArmor profile ${name}: the text must declare \`profile ${name}\` (it is loaded by that name, and pods name it as localhost/${name}); it declares ${check.names.length > 0 ? check.names.join(', ') : 'no profile'}`,
        where,
      ),
    ];
  }
  return [];
}

/**
 * planText compares a profile text apparmor_parser accepted (or that apply checks) with its file and the kernel:
 * `noop` when the file holds it and it is loaded in its mode, else `create`/`update`.
 */
function planText(
  name: string,
  text: string,
  file: Exclude<ObservedProfileFile, {state: 'unsafe'}>,
  observed: ApparmorObserved,
  record: (ManagedRecord & ApparmorRecord) | undefined,
  parserPackage: string | undefined,
): Change<ApparmorChangeData> {
  const mode = declaredMode(name, text);
  const loaded = observed.loaded[name];
  const fileOk = file.state === 'present' && file.text === text;
  const path = profilePath(name);
  const after = {path, digest: digest(text), mode};
  const before =
    file.state === 'present' || loaded
      ? {path, ...(file.state === 'present' ? {digest: digest(file.text)} : {}), loaded: loaded ?? null}
      : null;
  const original = {content: file.state === 'present' ? file.text : null};
  const data: ApparmorChangeData = {
    name,
    path,
    ...(fileOk ? {} : {write: text}),
    original: record?.original ?? original,
    ...(parserPackage ? {check: true} : {}),
  };
  const base = {
    address: address('apparmor.profile', name),
    kind: 'apparmor.profile' as const,
    before,
    after,
    disruption: 'none' as const,
    dependsOn: parserPackage ? [parserPackage] : [],
    inputs: digest({file, loaded: loaded ?? null}),
    data,
  };
  if (fileOk && loaded === mode) {
    if (firstWriteUnrecorded(record))
      return {
        ...base,
        action: 'update',
        reason: `${path} holds the profile; the write was interrupted before it was recorded`,
      };
    return {...base, action: 'noop', reason: `${path} holds the profile, loaded in ${mode} mode`};
  }
  const reason = writeReason({
    name,
    path,
    missing: file.state === 'missing',
    fileOk,
    recorded: record !== undefined,
    loaded,
    mode,
  });
  return {...base, action: record ? 'update' : 'create', reason, ...(record ? {} : {original})};
}

/** writeReason says why a profile is written or loaded: what is wrong with its file, and with its loaded mode. */
function writeReason({
  name,
  path,
  missing,
  fileOk,
  recorded,
  loaded,
  mode,
}: {
  name: string;
  path: string;
  missing: boolean;
  fileOk: boolean;
  recorded: boolean;
  loaded: string | undefined;
  mode: string;
}): string {
  const why: string[] = [];
  if (missing) why.push(`${path} does not exist`);
  else if (!fileOk)
    why.push(
      recorded
        ? `${path} differs from the profile (changed outside cosi)`
        : `${path} holds another profile; cosi keeps it to restore when the profile leaves the document`,
    );
  why.push(
    loaded === undefined
      ? `${name} is not loaded`
      : loaded !== mode
        ? `${name} is loaded in ${loaded} mode, not ${mode}`
        : `apparmor_parser -r loads the new text`,
  );
  return why.join('; ');
}

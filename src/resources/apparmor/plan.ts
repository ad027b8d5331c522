import {error, warning, type Diagnostic} from '../../diag/diagnostic.js';
import {digest} from '../../engine/digest.js';
import type {PlanRequest, ProviderPlan} from '../../engine/provider.js';
import {firstWriteUnrecorded, managedOfKind, type ManagedRecord} from '../../engine/state.js';
import type {Change} from '../../plan/change.js';
import {address} from '../../plan/resource-kind.js';
import {apparmorEnabledFile} from './kernel-profiles.js';
import type {ApparmorObserved} from './probe.js';
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
  const names = Object.keys(profiles);
  if (names.length > 0 && observed.enabled !== true) {
    diagnostics.push(
      error(
        observed.enabled === false
          ? `AppArmor is disabled in this kernel (${apparmorEnabledFile} is N; booted with apparmor=0?): profiles cannot be loaded, and pods naming localhost/<profile> would not start`
          : `this kernel has no AppArmor (${apparmorEnabledFile} is missing): profiles cannot be loaded, and pods naming localhost/<profile> would not start`,
        {path: ['spec', 'apparmor', 'profiles']},
      ),
    );
  } else if (names.length > 0 && !observed.securityfs) {
    diagnostics.push(
      error(
        `AppArmor is enabled but its loaded profiles cannot be read (is securityfs mounted at /sys/kernel/security?)`,
        {path: ['spec', 'apparmor', 'profiles']},
      ),
    );
  } else if (names.length > 0 && observed.parser === null) {
    const provider = parserPackages.find((p) => desired.packages.install.has(p));
    if (provider === undefined) {
      diagnostics.push(
        error(
          `apparmor_parser is not installed on the node (Debian's and Ubuntu's package apparmor, the RHEL family's apparmor-parser): cosi cannot check or load profiles without it; declare the package in spec.packages.install`,
          {path: ['spec', 'apparmor', 'profiles']},
        ),
      );
    } else {
      // The parser arrives with a package this plan installs: the profiles are checked by apply, before they are written.
      diagnostics.push(
        warning(
          `apparmor_parser is not installed yet: package ${provider} in this plan brings it, so the profiles are checked when applied (before they are written), not now`,
          {path: ['spec', 'apparmor', 'profiles']},
        ),
      );
      for (const [name, text] of Object.entries(profiles))
        planProfile(name, text, observed, state, changes, diagnostics, address('package', provider));
    }
  } else {
    for (const [name, text] of Object.entries(profiles)) planProfile(name, text, observed, state, changes, diagnostics);
  }

  const planned = new Set(changes.map((c) => c.address));
  for (const [addr, managed] of managedOfKind(state, 'apparmor.profile')) {
    const name = addr.slice('apparmor.profile.'.length);
    if (planned.has(addr) || name in profiles) continue;
    const record = managed as ManagedRecord & ApparmorRecord;
    const file = observed.files[name] ?? {state: 'missing'};
    if (file.state === 'unsafe') {
      diagnostics.push(error(`AppArmor profile ${name} cannot be removed: ${file.reason}`, {address: addr}));
      continue;
    }
    const path = profilePath(name);
    const restore = record.original.content ?? undefined;
    const unload = observed.loaded[name] !== undefined;
    changes.push({
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
    });
  }
  return {changes, diagnostics};
}

function planProfile(
  name: string,
  text: string,
  observed: ApparmorObserved,
  state: PlanRequest<ApparmorObserved>['state'],
  changes: Change[],
  diagnostics: Diagnostic[],
  parserPackage?: string,
): void {
  const addr = address('apparmor.profile', name);
  const where = {path: ['spec', 'apparmor', 'profiles', name], address: addr};
  const file = observed.files[name] ?? {state: 'missing'};
  if (file.state === 'unsafe') {
    diagnostics.push(error(`AppArmor profile ${name} cannot be written: ${file.reason}`, where));
    return;
  }
  const check = observed.checks[name];
  if (check && !check.ok) {
    const messages =
      check.messages.length > 0
        ? check.messages
        : [{message: 'apparmor_parser rejected the profile and said nothing more'}];
    for (const m of messages) {
      diagnostics.push(
        error(`AppArmor profile ${name}${m.line ? `, line ${m.line}` : ''}: ${m.message} (apparmor_parser)`, {
          ...where,
          ...(m.line ? {valueLine: m.line} : {}),
        }),
      );
    }
    return;
  }
  if (check && !check.names.includes(name)) {
    diagnostics.push(
      error(
        `AppArmor profile ${name}: the text must declare \`profile ${name}\` (it is loaded by that name, and pods name it as localhost/${name}); it declares ${check.names.length > 0 ? check.names.join(', ') : 'no profile'}`,
        where,
      ),
    );
    return;
  }
  const mode = declaredMode(name, text);
  const loaded = observed.loaded[name];
  const fileOk = file.state === 'present' && file.text === text;
  const record = state.resources[addr] as (ManagedRecord & ApparmorRecord) | undefined;
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
    address: addr,
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
      changes.push({
        ...base,
        action: 'update',
        reason: `${path} holds the profile; the write was interrupted before it was recorded`,
      });
    else changes.push({...base, action: 'noop', reason: `${path} holds the profile, loaded in ${mode} mode`});
    return;
  }
  const why: string[] = [];
  if (file.state === 'missing') why.push(`${path} does not exist`);
  else if (!fileOk)
    why.push(
      record
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
  changes.push({...base, action: record ? 'update' : 'create', reason: why.join('; '), ...(record ? {} : {original})});
}

import type {DesiredSysctl} from '../../config/desired-state.js';
import {error, type Diagnostic} from '../../diag/diagnostic.js';
import {digest} from '../../engine/digest.js';
import type {PlanRequest, ProviderPlan} from '../../engine/provider.js';
import {managedOfKind} from '../../engine/state.js';
import type {BootNote, Change} from '../../plan/change.js';
import {address} from '../../plan/resource-kind.js';
import {bootView, type BootView, type SysctlFile} from './boot-view.js';
import {parseSysctlKey, type SysctlKey} from '../../names/sysctl-key.js';
import {foldValue} from './key.js';
import {providingModule} from './module-keys.js';
import type {SysctlObserved} from './probe.js';
import {cosiSysctlFile} from './sysctl-d.js';

/** SysctlChangeData is what apply needs to carry out a sysctl change. */
export interface SysctlChangeData {
  readonly name: string;
  readonly procPath: string;
  readonly fileForm: string;
  /** Value to write live; undefined when the live value is already right (or, on delete, nothing to restore). */
  readonly write?: string;
  /** Value to persist in cosi's file; undefined removes the key from it. */
  readonly persist?: string;
  /** The live value before cosi's first change, kept in state. */
  readonly original: string | null;
}

/**
 * planSysctls compares desired kernel parameters with the live values and cosi's file, and plans: `create` for a
 * key cosi does not manage yet, `update` when the live or persisted value differs, `delete` for a key removed from
 * the document (restoring the value cosi found). It notes keys that another file overrides at boot, and reports
 * keys the kernel does not have unless a declared module provides them. Pure.
 */
export function planSysctls({desired, observed, state}: PlanRequest<SysctlObserved>): ProviderPlan<SysctlChangeData> {
  const changes: Change<SysctlChangeData>[] = [];
  const diagnostics: Diagnostic[] = [];
  const bootNotes: BootNote[] = [];

  // The boot view once cosi's file holds the document's values: a key another file decides will not keep them.
  const atBoot = bootView(withCosiFile(observed.bootFiles, [...desired.sysctls.values()]));
  for (const [name, want] of desired.sysctls) {
    const result = planOne(want, observed, state.resources[address('sysctl', name)]?.original, desired.modules);
    if ('diagnostic' in result) diagnostics.push(result.diagnostic);
    else changes.push(result.change);
    const note = bootOverride(want.key, foldValue(want.value), atBoot);
    if (note) bootNotes.push(note);
  }

  for (const [addr, record] of managedOfKind(state, 'sysctl')) {
    const key = parseSysctlKey(addr.slice('sysctl.'.length));
    if (!key || desired.sysctls.has(key.name)) continue;
    const live = observed.live[key.name];
    const original = record.original as string | null;
    const restore =
      original !== null && live?.state === 'present' && live.value !== foldValue(original) ? original : undefined;
    const data: SysctlChangeData = {
      name: key.name,
      procPath: key.procPath,
      fileForm: key.fileForm,
      original,
      ...(restore !== undefined ? {write: restore} : {}),
    };
    changes.push({
      address: addr,
      kind: 'sysctl',
      action: 'delete',
      before: live?.state === 'present' ? live.value : null,
      after: original,
      reason:
        original === null
          ? `no longer in the document: its line is removed from ${cosiSysctlFile}`
          : `no longer in the document: the value cosi found (${JSON.stringify(original)}) is restored and its line removed from ${cosiSysctlFile}`,
      disruption: 'none',
      dependsOn: [],
      inputs: digest({live, persisted: observed.persisted[key.name] ?? null}),
      data,
    });
  }
  changes.push(...foreignLines(desired, observed, state));
  return {changes, diagnostics, bootNotes};
}

/**
 * foreignLines plans the removal of lines in cosi's own file that cosi did not write (SPEC §5: cosi owns its files
 * whole): keys neither in the document nor managed, and glob patterns, which cosi never writes. The live value is left
 * as it is (cosi never knew another); the change is drift of the node, named with the file's line.
 */
function foreignLines(
  desired: PlanRequest<SysctlObserved>['desired'],
  observed: SysctlObserved,
  state: PlanRequest<SysctlObserved>['state'],
): Change<SysctlChangeData>[] {
  const own = observed.bootFiles.find((f) => f.path === cosiSysctlFile);
  const seen = new Set<string>();
  const changes: Change<SysctlChangeData>[] = [];
  for (const a of own?.assignments ?? []) {
    if (!a.glob && (desired.sysctls.has(a.key) || state.resources[address('sysctl', a.key)])) continue;
    const addr = address('sysctl', a.key);
    if (seen.has(addr)) continue;
    seen.add(addr);
    const key = a.glob ? undefined : parseSysctlKey(a.key);
    const data: SysctlChangeData = {
      name: a.key,
      procPath: key?.procPath ?? '',
      fileForm: key?.fileForm ?? a.key,
      original: null,
    };
    changes.push({
      address: addr,
      kind: 'sysctl',
      action: 'delete',
      before: a.value,
      after: null,
      reason: `${cosiSysctlFile}:${a.line} is a line cosi did not write (${a.key} = ${a.value}): it is removed; the live value is left as it is`,
      disruption: 'none',
      dependsOn: [],
      inputs: digest({foreign: a.key, value: a.value}),
      cause: 'node',
      data,
    });
  }
  return changes;
}

function planOne(
  want: DesiredSysctl,
  observed: SysctlObserved,
  original: unknown,
  modules: PlanRequest<SysctlObserved>['desired']['modules'],
): {change: Change<SysctlChangeData>} | {diagnostic: Diagnostic} {
  const {key} = want;
  const value = foldValue(want.value);
  const live = observed.live[key.name] ?? {state: 'missing'};
  const persisted = observed.persisted[key.name];
  const module = providingModule(key.name);
  const declared = module !== undefined && modules.get(module)?.state === 'loaded';
  const dependsOn = module && declared ? [address('module', module)] : [];
  const inputs = digest({live, persisted: persisted ?? null});

  if (live.state === 'unreadable') {
    return {
      diagnostic: error(
        `sysctl ${key.name} cannot be read (${live.reason}); cosi manages settings it can compare, not triggers`,
        {path: want.path},
      ),
    };
  }
  if (live.state === 'missing' && !declared) {
    const hint = module
      ? `it appears when module ${module} is loaded: declare it under spec.modules (\`${module}: {}\`)`
      : `there is no ${key.procPath} on this kernel (${observed.kernel})`;
    return {diagnostic: error(`sysctl ${key.name} does not exist on this node: ${hint}`, {path: want.path})};
  }

  const liveValue = live.state === 'present' ? live.value : null;
  const liveOk = liveValue !== null && liveValue === value;
  const persistOk = persisted !== undefined && foldValue(persisted.value) === value && persisted.key === key.fileForm;
  const managed = original !== undefined;
  const data: SysctlChangeData = {
    name: key.name,
    procPath: key.procPath,
    fileForm: key.fileForm,
    persist: String(want.value),
    original: managed ? (original as string | null) : live.state === 'present' ? live.raw : null,
    ...(liveOk ? {} : {write: String(want.value)}),
  };
  const base = {
    address: address('sysctl', key.name),
    kind: 'sysctl' as const,
    before: liveValue,
    after: value,
    disruption: 'none' as const,
    dependsOn,
    inputs,
    data,
    ...(managed ? {} : {original: data.original}),
  };
  if (liveOk && persistOk) return {change: {...base, action: 'noop', reason: 'live and persisted values match'}};
  const why = [
    liveValue === null
      ? `the key appears once module ${module} is loaded`
      : liveOk
        ? undefined
        : `live value is ${JSON.stringify(liveValue)}`,
    persistOk
      ? undefined
      : persisted
        ? `${cosiSysctlFile} has ${JSON.stringify(persisted.value)}`
        : `not persisted in ${cosiSysctlFile}`,
  ].filter(Boolean);
  // The two views an operator needs (SPEC §2): the live value and the value persisted for the next boot.
  const details = [
    liveOk
      ? `live: ${JSON.stringify(value)} (as wanted)`
      : `live: ${liveValue === null ? '(not there until the module is loaded)' : JSON.stringify(liveValue)} -> ${JSON.stringify(value)}`,
    persistOk
      ? `persisted in ${cosiSysctlFile}: ${JSON.stringify(value)} (as wanted)`
      : `persisted in ${cosiSysctlFile}: ${persisted ? JSON.stringify(persisted.value) : '(none)'} -> ${JSON.stringify(value)}`,
  ];
  return {change: {...base, action: managed ? 'update' : 'create', reason: why.join('; '), details}};
}

/** bootOverride tells whether another file decides this key at boot, given cosi's file holds the desired value. */
function bootOverride(key: SysctlKey, value: string, atBoot: BootView): BootNote | undefined {
  const winner = atBoot.value(key.name);
  if (!winner || winner.file === cosiSysctlFile || foldValue(winner.value) === value) return undefined;
  return {
    address: address('sysctl', key.name),
    file: winner.file,
    message: `${winner.file}:${winner.line} sets ${JSON.stringify(winner.value)} at boot, after ${cosiSysctlFile}: the value ${JSON.stringify(value)} will not survive a reboot`,
  };
}

/** withCosiFile is the boot-time file list with cosi's file holding exactly the desired keys, in its place. */
function withCosiFile(files: readonly SysctlFile[], wanted: readonly DesiredSysctl[]): SysctlFile[] {
  const own: SysctlFile = {
    path: cosiSysctlFile,
    assignments: wanted.map((w) => ({key: w.key.name, value: foldValue(w.value), glob: false, line: 0})),
  };
  return files.some((f) => f.path === cosiSysctlFile)
    ? files.map((f) => (f.path === cosiSysctlFile ? own : f))
    : insertSorted(files, own);
}

/** insertSorted places cosi's file among the sysctl.d files by name; /etc/sysctl.conf stays last. */
function insertSorted<T extends {path: string}>(files: readonly T[], file: T): T[] {
  const name = baseName(file.path);
  const at = files.findIndex((f) => f.path === '/etc/sysctl.conf' || baseName(f.path) > name);
  return at === -1 ? [...files, file] : [...files.slice(0, at), file, ...files.slice(at)];
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

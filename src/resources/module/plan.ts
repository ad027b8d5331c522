import type {DesiredModule, DesiredState} from '../../config/desired-state.js';
import {error, warning, type Diagnostic} from '../../diag/diagnostic.js';
import {digest} from '../../engine/digest.js';
import type {PlanRequest, ProviderPlan} from '../../engine/provider.js';
import type {ManagedRecord} from '../../engine/state.js';
import type {Condition} from '../../plan/condition.js';
import {planInitramfs, type ModuleData} from './initramfs-plan.js';
import {reservedModuleName, reservedNameError} from './initramfs-tool.js';
import type {BootNote, Change} from '../../plan/change.js';
import type {Disruption} from '../../plan/disruption.js';
import {address} from '../../plan/resource-kind.js';
import {bootNotesFor} from './boot-notes.js';
import {expectedModprobeLines, sameLines} from './cosi-lines.js';
import {describeLive, type LiveOperation, type ModuleChangeData, type ModuleOriginal} from './live-operation.js';
import {canonicalName} from './module-name.js';
import {cosiModprobeFile} from './modprobe-d.js';
import {cosiModulesLoadFile} from './modules-load-d.js';
import {sameParameterValue, unsafeParameterValue} from './parameter-value.js';
import {managedModules, type ModuleObserved, type ModuleStatus} from './probe.js';

/**
 * planModules compares the declared kernel modules with the live kernel and cosi's files, and plans one change per
 * module: `loaded` modules are loaded with their parameters and persisted (modules-load.d, `options` in
 * modprobe.d); `blocked` ones are unloaded and blacklisted (`blacklist` + `install NAME /bin/false`); changed
 * parameters reload an unused module, or owe a reboot for one in use. Built-in modules are no-ops (their parameters
 * live on the kernel command line); a module this kernel does not have is an error naming the kernel. Modules
 * removed from the document get a `delete` that drops cosi's lines and restores the loaded state cosi found.
 * Boot notes name the files that decide otherwise at boot. A declared module built into the kernel is a condition.
 * When cosi's files change, the node's initramfs is rebuilt after them (`module.initramfs`, {@link planInitramfs}).
 * Pure.
 */
export function planModules({desired, observed, state}: PlanRequest<ModuleObserved>): ProviderPlan<ModuleData> {
  const changes: Change<ModuleData>[] = [];
  const diagnostics: Diagnostic[] = [];
  const bootNotes: BootNote[] = [];
  const conditions: Condition[] = [];
  for (const [name, want] of desired.modules) {
    if (name === reservedModuleName) {
      diagnostics.push(reservedNameError(want.paths[0]));
      continue;
    }
    const status = observed.modules[name];
    if (!status) continue;
    const result = planDesired({
      want,
      status,
      observed,
      record: state.resources[address('module', name)],
      sysctls: desired.sysctls,
      kernelArgs: desired.config.spec?.kernel?.args ?? [],
    });
    if (result.change) changes.push(result.change);
    diagnostics.push(...result.diagnostics);
    bootNotes.push(...result.notes);
    if (status.presence.kind === 'builtin' && want.state === 'loaded') conditions.push(builtinCondition(status));
  }
  for (const [addr, record] of managedModules(state)) {
    const name = canonicalName(addr.slice('module.'.length));
    if (desired.modules.has(name)) continue;
    changes.push(planRemoval(addr, name, record, observed));
  }
  changes.push(...foreignLines(desired, observed, state));
  const rebuild = planInitramfs({
    initramfs: observed.initramfs,
    cosiProbe: observed.cosiProbe,
    cosiLoad: observed.cosiLoad,
    changes,
    state,
  });
  if (rebuild) changes.push(rebuild);
  return {changes, diagnostics, bootNotes, conditions};
}

/**
 * builtinCondition says, in the plan, that a declared module is built into the running kernel: always loaded, and
 * nothing for cosi to load, persist or rebuild (a condition: apply cannot change it, and it is not drift).
 */
function builtinCondition(status: ModuleStatus): Condition {
  const evidence = status.presence.kind === 'builtin' ? status.presence.evidence : '';
  return {
    address: address('module', status.name),
    kind: 'module',
    type: 'module-built-in',
    message: `built into the running kernel (${evidence}): always loaded; cosi loads and persists nothing for it, and its parameters can only come from the kernel command line`,
  };
}

/**
 * foreignLines plans the removal of lines in cosi's own modules-load.d and modprobe.d files that cosi did not write
 * (SPEC §5: cosi owns its files whole; an `install usb_storage /bin/sh -c ...` added there runs as root at the next
 * load): lines for modules neither in the document nor managed. Nothing is loaded or unloaded for them; the change is
 * drift of the node. (Foreign lines of a declared module are a difference from its expected lines: an update.)
 */
function foreignLines(
  desired: PlanRequest<ModuleObserved>['desired'],
  observed: ModuleObserved,
  state: PlanRequest<ModuleObserved>['state'],
): Change<ModuleChangeData>[] {
  const foreign = new Set(
    [...observed.cosiLoad, ...Object.keys(observed.cosiProbe)].filter(
      // `initramfs` is no module, and its address is the rebuild's: such a line is left for that address alone.
      (name) => !desired.modules.has(name) && !state.resources[address('module', name)] && name !== reservedModuleName,
    ),
  );
  return [...foreign].sort().map((name) => {
    const lines = [
      ...(observed.cosiLoad.includes(name) ? [`${cosiModulesLoadFile}: ${name}`] : []),
      ...(observed.cosiProbe[name] ?? []).map((l) => `${cosiModprobeFile}: ${l}`),
    ];
    const data: ModuleChangeData = {
      name,
      realName: name,
      live: 'none',
      loadParameters: {},
      persistLoad: false,
      probeLines: [],
      original: {loaded: false},
    };
    return {
      address: address('module', name),
      kind: 'module',
      action: 'delete',
      before: {lines},
      after: null,
      reason: `lines cosi did not write in its own files are removed (${lines.join('; ')}); the module is not loaded or unloaded`,
      disruption: 'none',
      dependsOn: [],
      inputs: digest({foreign: name, listed: observed.cosiLoad.includes(name), own: observed.cosiProbe[name] ?? []}),
      cause: 'node',
      data,
    } satisfies Change<ModuleChangeData>;
  });
}

interface Planned {
  readonly change?: Change<ModuleChangeData>;
  readonly diagnostics: Diagnostic[];
  readonly notes: BootNote[];
}

/** Where is a module's location in the document for its diagnostics: its path when known, and its address. */
type Where = Omit<Diagnostic, 'severity' | 'summary'>;

/** DocPath is a module's path in the document, when it has one. */
type DocPath = DesiredModule['paths'][number] | undefined;

/**
 * planDesired plans one declared module: parameters that cannot be used and presences that refuse the declaration
 * stop it ({@link unsafeParameters}, {@link refusedPresence}); a built-in module's parameters that differ end in a
 * note or a warning ({@link builtinParameters}); otherwise the live comparison ({@link compareLive}) and cosi's files
 * make one change ({@link moduleChange}).
 */
function planDesired({
  want,
  status,
  observed,
  record,
  sysctls,
  kernelArgs,
}: {
  want: DesiredModule;
  status: ModuleStatus;
  observed: ModuleObserved;
  record: ManagedRecord | undefined;
  sysctls: DesiredState['sysctls'];
  kernelArgs: readonly string[];
}): Planned {
  const {name} = want;
  const path = want.paths[0];
  const addr = address('module', name);
  const unsafe = unsafeParameters(want, path, addr);
  if (unsafe.length > 0) return {diagnostics: unsafe, notes: []};

  const presence = status.presence;
  const where: Where = path ? {path, address: addr} : {address: addr};
  const refused = refusedPresence(want, observed, presence, where);
  if (refused) return refused;
  const diagnostics: Diagnostic[] =
    presence.kind === 'missing' ? [missingBlocked(name, observed, presence.why, where)] : [];

  const liveParams = paramsOf(status, want);
  if (presence.kind === 'builtin') {
    const settled = builtinParameters({
      want,
      observed,
      evidence: presence.evidence,
      liveParams,
      kernelArgs,
      where,
      addr,
    });
    if (settled) return {diagnostics: [...diagnostics, ...settled.diagnostics], notes: settled.notes};
  }
  const expectLoad = want.state === 'loaded' && presence.kind === 'loadable';
  const lines = presence.kind === 'builtin' ? [] : expectedModprobeLines(want, sysctls);
  const own = observed.cosiProbe[name] ?? [];
  const listed = observed.cosiLoad.includes(name);
  const persistOk = listed === expectLoad && sameLines(own, lines);
  const compared = compareLive(want, status, liveParams, path, addr);
  diagnostics.push(...compared.diagnostics);
  const why = [...compared.why, ...(persistOk ? [] : [persistReason(listed, expectLoad, own, lines)])];

  const notes = presence.kind === 'builtin' ? [] : bootNotesFor({name, want, lines, expectLoad, observed});
  const details = [
    ...compared.details,
    ...describeLive(compared.live, name, status.realName, want.parameters, status),
    ...(persistOk ? [] : persistDetails(name, listed, expectLoad, own, lines)),
    ...notes.map((n) => `at boot: ${n.message}`),
  ];
  const change = moduleChange({
    want,
    status,
    record,
    liveParams,
    live: compared.live,
    disruption: compared.disruption,
    persistOk,
    expectLoad,
    lines,
    why,
    details,
    inputs: digest({status, listed, own}),
  });
  return {change, diagnostics, notes};
}

/** unsafeParameters is the errors for declared parameter values that cannot be used, each at its parameter. */
function unsafeParameters(want: DesiredModule, path: DocPath, addr: string): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const [p, v] of Object.entries(want.parameters)) {
    const why = unsafeParameterValue(v);
    if (why)
      diagnostics.push(
        error(`module ${want.name}: parameter ${p} = ${JSON.stringify(v)} cannot be used: ${why}`, {
          ...(path ? {path: [...path, 'parameters', p]} : {}),
          address: addr,
        }),
      );
  }
  return diagnostics;
}

/**
 * refusedPresence is the outcome, with nothing planned, of a declaration the kernel refuses: a `loaded` module that
 * does not exist (a warning where the kernel loads no modules at all, such as containers and microVMs: a normal node;
 * an error where it does: a mistake in the document), or a `blocked` module built into the kernel (an error).
 */
function refusedPresence(
  want: DesiredModule,
  observed: ModuleObserved,
  presence: ModuleStatus['presence'],
  where: Where,
): Planned | undefined {
  const {name} = want;
  if (presence.kind === 'missing' && want.state === 'loaded') {
    if (!observed.moduleSupport) {
      return {
        diagnostics: [
          warning(
            `module ${name} cannot be loaded here: ${presence.why}; nothing is planned for it on this node`,
            where,
          ),
        ],
        notes: [],
      };
    }
    return {
      diagnostics: [error(`module ${name} does not exist on this kernel (${observed.kernel}): ${presence.why}`, where)],
      notes: [],
    };
  }
  if (presence.kind === 'builtin' && want.state === 'blocked') {
    return {
      diagnostics: [
        error(
          `module ${name} cannot be blocked: it is built into this kernel (${observed.kernel}; ${presence.evidence}), so it is always loaded. Only a kernel built without it can leave it out`,
          where,
        ),
      ],
      notes: [],
    };
  }
  return undefined;
}

/** missingBlocked is the warning for a `blocked` module this kernel does not have: it is blacklisted all the same. */
function missingBlocked(name: string, observed: ModuleObserved, why: string, where: Where): Diagnostic {
  return warning(
    `module ${name} does not exist on this kernel (${observed.kernel}): ${why}; it is blacklisted all the same, for any kernel that has it`,
    where,
  );
}

/** differingParameters is the declared parameters whose readable live value differs. */
function differingParameters(want: DesiredModule, liveParams: Record<string, string | null>): Array<[string, string]> {
  return Object.entries(want.parameters).filter(
    ([p, v]) => typeof liveParams[p] === 'string' && !sameParameterValue(liveParams[p]!, v),
  );
}

/**
 * builtinParameters is the outcome, with no change, of a built-in module whose live parameters differ from the
 * declared ones: a boot note when spec.kernel.args declares them all (the next boot sets them; kernel.args owes the
 * reboot), else a warning (not an error: cosi cannot change them, and refusing every apply on such nodes helps
 * nobody). Undefined when none differs.
 */
function builtinParameters({
  want,
  observed,
  evidence,
  liveParams,
  kernelArgs,
  where,
  addr,
}: {
  want: DesiredModule;
  observed: ModuleObserved;
  evidence: string;
  liveParams: Record<string, string | null>;
  kernelArgs: readonly string[];
  where: Where;
  addr: string;
}): Planned | undefined {
  const {name} = want;
  const differ = differingParameters(want, liveParams);
  if (differ.length === 0) return undefined;
  const onCmdline = differ.map(([p, v]) => `${name}.${p}=${v}`);
  if (onCmdline.every((arg) => kernelArgs.includes(arg))) {
    const notes: BootNote[] = [
      {
        address: addr,
        message: `built into the kernel: ${onCmdline.join(' ')} comes from spec.kernel.args at the next boot; until then ${differ.map(([p]) => `${p} is ${JSON.stringify(liveParams[p])}`).join(', ')}`,
      },
    ];
    return {diagnostics: [], notes};
  }
  return {
    diagnostics: [
      warning(
        `module ${name} is built into this kernel (${observed.kernel}; ${evidence}): its parameters cannot change at runtime. ${differ.map(([p, v]) => `${p} is ${JSON.stringify(liveParams[p])}, not ${JSON.stringify(v)}`).join('; ')}. Set them on the kernel command line — declare \`kernel: {args: [${onCmdline.join(', ')}]}\` (spec.kernel.args) — and reboot, or remove them from the document`,
        where,
      ),
    ],
    notes: [],
  };
}

/**
 * LiveComparison is what the live kernel makes of a declared module: the operation now, its disruption, and what it
 * adds to the change's reason and details and to the diagnostics.
 */
interface LiveComparison {
  readonly live: LiveOperation;
  readonly disruption: Disruption;
  readonly why: string[];
  readonly details: string[];
  readonly diagnostics: Diagnostic[];
}

/**
 * compareLive compares a declared module with the live kernel: a built-in one ({@link compareBuiltin}), a `loaded`
 * one ({@link compareLoaded}), a `blocked` one ({@link compareBlocked}).
 */
function compareLive(
  want: DesiredModule,
  status: ModuleStatus,
  liveParams: Record<string, string | null>,
  path: DocPath,
  addr: string,
): LiveComparison {
  if (status.presence.kind === 'builtin') return compareBuiltin(want, status, status.presence.evidence, liveParams);
  if (want.state === 'loaded') return compareLoaded(want, status, liveParams, path, addr);
  return compareBlocked(status);
}

/**
 * compareBuiltin is a built-in module whose parameters do not differ: always loaded, nothing to load or persist; the
 * parameters it cannot read are named in the details.
 */
function compareBuiltin(
  want: DesiredModule,
  status: ModuleStatus,
  evidence: string,
  liveParams: Record<string, string | null>,
): LiveComparison {
  const details: string[] = [];
  for (const p of Object.keys(want.parameters))
    if (typeof liveParams[p] !== 'string')
      details.push(`${p}: not readable under /sys/module/${status.realName}/parameters; cosi cannot compare it`);
  return {
    live: 'none',
    disruption: 'none',
    why: [`built into the kernel (${evidence}): always loaded, nothing to load or persist`],
    details,
    diagnostics: [],
  };
}

/**
 * compareLoaded is a `loaded` module: one not loaded is loaded; one loaded with other parameters is reloaded when
 * unused, or owes a reboot when in use. Parameters the module does not have are warnings, unreadable ones details.
 */
function compareLoaded(
  want: DesiredModule,
  status: ModuleStatus,
  liveParams: Record<string, string | null>,
  path: DocPath,
  addr: string,
): LiveComparison {
  if (!status.loaded) return {live: 'load', disruption: 'none', why: ['not loaded'], details: [], diagnostics: []};
  let live: LiveOperation = 'none';
  let disruption: Disruption = 'none';
  const why: string[] = [];
  const differ = differingParameters(want, liveParams);
  if (differ.length > 0) {
    const shown = differ.map(([p, v]) => `${p} ${JSON.stringify(liveParams[p])} -> ${JSON.stringify(v)}`).join(', ');
    if (status.inUse) {
      disruption = 'reboot';
      why.push(
        `parameters differ (${shown}) and it is in use (${usage(status)}): it cannot be reloaded now, the new values take effect at the next boot`,
      );
    } else {
      live = 'reload';
      why.push(`parameters differ (${shown}); it is unused, so it is reloaded`);
    }
  }
  const {details, diagnostics} = knownParameters(want, status, path, addr);
  return {live, disruption, why, details, diagnostics};
}

/**
 * knownParameters checks the declared parameters against those the loaded module has under /sys/module: one it does
 * not have is a warning (cosi persists it but cannot verify it), one it cannot read a detail.
 */
function knownParameters(
  want: DesiredModule,
  status: ModuleStatus,
  path: DocPath,
  addr: string,
): {details: string[]; diagnostics: Diagnostic[]} {
  const details: string[] = [];
  const diagnostics: Diagnostic[] = [];
  const known = status.parameters;
  for (const p of Object.keys(want.parameters)) {
    if (known && !(p in known)) {
      const has = Object.keys(known);
      diagnostics.push(
        warning(
          `module ${want.name} has no parameter ${p} under /sys/module/${status.realName}/parameters (it has ${has.length > 0 ? has.join(', ') : 'none'}); cosi persists it but cannot verify it`,
          path ? {path: [...path, 'parameters', p], address: addr} : {address: addr},
        ),
      );
    } else if (known && known[p] === null)
      details.push(`${p}: not readable under /sys/module/${status.realName}/parameters; cosi cannot compare it`);
  }
  return {details, diagnostics};
}

/** compareBlocked is a `blocked` module: a loaded one is unloaded when unused, or owes a reboot when in use. */
function compareBlocked(status: ModuleStatus): LiveComparison {
  const none = {why: [], details: [], diagnostics: []};
  if (!status.loaded) return {live: 'none', disruption: 'none', ...none};
  if (status.inUse)
    return {
      ...none,
      live: 'none',
      disruption: 'reboot',
      why: [`loaded and in use (${usage(status)}): it cannot be unloaded now and stays loaded until the next boot`],
    };
  return {...none, live: 'unload', disruption: 'none', why: ['loaded: it is unloaded']};
}

/** persistReason says how cosi's files differ from a module's expected lines. */
function persistReason(listed: boolean, expectLoad: boolean, own: readonly string[], lines: readonly string[]): string {
  const parts = [];
  if (listed !== expectLoad)
    parts.push(expectLoad ? `not listed in ${cosiModulesLoadFile}` : `still listed in ${cosiModulesLoadFile}`);
  if (!sameLines(own, lines))
    parts.push(
      lines.length === 0
        ? `${cosiModprobeFile} still has lines for it`
        : own.length === 0
          ? `not persisted in ${cosiModprobeFile}`
          : `${cosiModprobeFile} has other lines for it`,
    );
  return parts.join('; ');
}

/** persistDetails is the edits of cosi's files for a module: its modules-load.d entry, then modprobe.d lines. */
function persistDetails(
  name: string,
  listed: boolean,
  expectLoad: boolean,
  own: readonly string[],
  lines: readonly string[],
): string[] {
  const details: string[] = [];
  if (listed !== expectLoad) details.push(`${cosiModulesLoadFile}: ${expectLoad ? '+' : '-'} ${name}`);
  for (const l of own) if (!lines.includes(l)) details.push(`${cosiModprobeFile}: - ${l}`);
  for (const l of lines) if (!own.includes(l)) details.push(`${cosiModprobeFile}: + ${l}`);
  return details;
}

/**
 * moduleChange is a declared module's change: `noop` when nothing is to be done now, at boot or in cosi's files, else
 * `update` (managed already) or `create`, with the original state cosi found (recorded once).
 */
function moduleChange({
  want,
  status,
  record,
  liveParams,
  live,
  disruption,
  persistOk,
  expectLoad,
  lines,
  why,
  details,
  inputs,
}: {
  want: DesiredModule;
  status: ModuleStatus;
  record: ManagedRecord | undefined;
  liveParams: Record<string, string | null>;
  live: LiveOperation;
  disruption: Disruption;
  persistOk: boolean;
  expectLoad: boolean;
  lines: string[];
  why: string[];
  details: string[];
  inputs: string;
}): Change<ModuleChangeData> {
  const original: ModuleOriginal = record
    ? (record.original as ModuleOriginal)
    : {loaded: status.loaded, ...(Object.keys(liveParams).length > 0 ? {parameters: liveParams} : {})};
  const data: ModuleChangeData = {
    name: want.name,
    realName: status.realName,
    live,
    loadParameters: {...want.parameters},
    persistLoad: expectLoad,
    probeLines: lines,
    original,
  };
  const action = live === 'none' && disruption === 'none' && persistOk ? 'noop' : record ? 'update' : 'create';
  return {
    address: address('module', want.name),
    kind: 'module',
    action,
    before: stateOf(status, liveParams),
    after: {
      state: want.state,
      ...(want.state === 'loaded' && Object.keys(want.parameters).length > 0 ? {parameters: want.parameters} : {}),
    },
    reason:
      action === 'noop' ? (why.length > 0 ? why.join('; ') : `${want.state} and persisted as such`) : why.join('; '),
    disruption,
    dependsOn: [],
    inputs,
    ...(details.length > 0 ? {details} : {}),
    ...(record ? {} : {original}),
    data,
  };
}

function planRemoval(
  addr: string,
  name: string,
  record: ManagedRecord,
  observed: ModuleObserved,
): Change<ModuleChangeData> {
  const status = observed.modules[name];
  const original = (record.original ?? {loaded: false}) as ModuleOriginal;
  let live: LiveOperation = 'none';
  let disruption: Disruption = 'none';
  const why = [`no longer in the document: its lines are removed from cosi's files`];
  if (status && status.presence.kind === 'loadable') {
    if (original.loaded && !status.loaded) {
      live = 'load';
      why.push('it was loaded when cosi found it, so it is loaded again');
    } else if (!original.loaded && status.loaded) {
      if (status.inUse) {
        disruption = 'reboot';
        why.push(
          `it was not loaded when cosi found it, but it is in use now (${usage(status)}): it stays loaded until the next boot`,
        );
      } else {
        live = 'unload';
        why.push('it was not loaded when cosi found it, so it is unloaded');
      }
    }
  }
  const data: ModuleChangeData = {
    name,
    realName: status?.realName ?? name,
    live,
    loadParameters: {},
    persistLoad: false,
    probeLines: [],
    original,
  };
  const details = status ? describeLive(live, name, status.realName, {}, status) : [];
  return {
    address: addr,
    kind: 'module',
    action: 'delete',
    before: status ? stateOf(status, {}) : null,
    after: {state: original.loaded ? 'loaded' : 'unloaded'},
    reason: why.join('; '),
    disruption,
    dependsOn: [],
    inputs: digest({
      status: status ?? null,
      listed: observed.cosiLoad.includes(name),
      own: observed.cosiProbe[name] ?? [],
    }),
    ...(details.length > 0 ? {details} : {}),
    data,
  };
}

function paramsOf(status: ModuleStatus, want: DesiredModule): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  if (!status.loaded || !status.parameters) return out;
  for (const p of Object.keys(want.parameters)) if (p in status.parameters) out[p] = status.parameters[p]!;
  return out;
}

function stateOf(status: ModuleStatus, params: Record<string, string | null>): Record<string, unknown> {
  const state =
    status.presence.kind === 'builtin'
      ? 'built-in'
      : status.presence.kind === 'missing'
        ? 'missing'
        : status.loaded
          ? 'loaded'
          : 'unloaded';
  return {state, ...(Object.keys(params).length > 0 ? {parameters: params} : {})};
}

function usage(status: ModuleStatus): string {
  const parts = [];
  if (status.refcount === null) parts.push('this kernel cannot unload modules, or it is still initializing');
  else parts.push(`refcount ${status.refcount}`);
  if (status.holders.length > 0) parts.push(`used by ${status.holders.join(', ')}`);
  return parts.join('; ');
}

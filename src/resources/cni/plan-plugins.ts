import type {Cni} from '../../config/generated/types.js';
import {error, warning, type Diagnostic} from '../../diag/diagnostic.js';
import {digest} from '../../engine/digest.js';
import type {PlanRequest, ProviderPlan} from '../../engine/provider.js';
import type {Change} from '../../plan/change.js';
import type {Condition} from '../../plan/condition.js';
import {address} from '../../plan/resource-kind.js';
import {defaultBinDirs, pluginPackage, runtimeCniDirs} from './cni-dirs.js';
import {pluginTypes} from './network-file.js';
import type {BinaryState, CniObserved} from './probe.js';

/** CniPluginChangeData is what apply checks: the binary must be executable in one of `dirs` once packages are in. */
export interface CniPluginChangeData {
  readonly name: string;
  readonly dirs: readonly string[];
}

/**
 * planCniPlugins checks every plugin binary the document needs (`cni.plugins` and every `type` its networks run) in
 * the directories the runtime searches: `binDir`, else the runtime configuration's bin_dir, else the distribution
 * defaults. Present and executable: `noop`. Missing but shipped by a package this plan installs into one of those
 * directories: `create`, ordered after the package and checked at apply. Otherwise an error naming where it was
 * looked for and where it was found; its hint names the package only for the binaries the package holds. A binary
 * in `cni.external` (another component, a CNI DaemonSet, installs it) present and executable is a `noop`; missing
 * or not executable it is a condition (`cni-plugin-not-installed`), never an error and never a change. A `binDir`
 * the runtime does not search is a warning. cosi never installs plugin binaries itself. Pure.
 */
export function planCniPlugins({desired, observed}: PlanRequest<CniObserved>): ProviderPlan<CniPluginChangeData> {
  const cni = desired.config.spec?.cni;
  if (!cni) return {changes: []};
  const changes: Change<CniPluginChangeData>[] = [];
  const diagnostics: Diagnostic[] = [];
  const conditions: Condition[] = [];
  const external = new Set(cni.external ?? []);
  const runtimeDirs = runtimeCniDirs(desired.config.spec, observed.runtimeFile).binDirs;
  if (cni.binDir && runtimeDirs && !runtimeDirs.includes(cni.binDir)) {
    diagnostics.push(
      warning(
        `cni.binDir is ${cni.binDir}, but the ${desired.config.spec?.runtime?.engine} configuration looks for CNI plugins in ${runtimeDirs.join(', ')}`,
        {
          path: ['spec', 'cni', 'binDir'],
          detail:
            'set the runtime\'s bin_dir (containerd: plugins."io.containerd.grpc.v1.cri".cni.bin_dir; CRI-O: crio.network.plugin_dirs) in runtime.settings, or change cni.binDir',
        },
      ),
    );
  }
  const dirs = cni.binDir ? [cni.binDir] : (runtimeDirs ?? [...defaultBinDirs]);
  const packaged = desired.packages.install.has(pluginPackage.name);
  for (const [name, path] of [...wantedPlugins(cni)].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const states: PluginStates = dirs.map((dir) => [dir, observed.binaries[dir]?.[name] ?? 'missing'] as const);
    const found = states.find(([, s]) => s === 'executable');
    if (found) changes.push(planPresent(name, found[0], dirs, states));
    else if (external.has(name)) {
      const planned = planExternal(name, dirs, states);
      conditions.push(planned.condition);
      changes.push(planned.change);
    } else {
      const planned = planMissing(name, path, dirs, states, packaged, observed);
      if ('severity' in planned) diagnostics.push(planned);
      else changes.push(planned);
    }
  }
  return {changes, diagnostics, conditions};
}

/** PluginStates is a binary's state in each directory the runtime searches, in search order. */
type PluginStates = ReadonlyArray<readonly [string, BinaryState]>;

/**
 * wantedPlugins maps every binary the document needs to the document path that asks for it: `cni.plugins` first,
 * then `cni.external`, then each network's plugin types.
 */
function wantedPlugins(cni: Cni): Map<string, (string | number)[]> {
  const wanted = new Map<string, (string | number)[]>();
  for (const [index, name] of (cni.plugins ?? []).entries()) wanted.set(name, ['spec', 'cni', 'plugins', index]);
  for (const [index, name] of (cni.external ?? []).entries())
    if (!wanted.has(name)) wanted.set(name, ['spec', 'cni', 'external', index]);
  for (const [stem, network] of Object.entries(cni.networks ?? {}))
    for (const type of pluginTypes(network)) if (!wanted.has(type)) wanted.set(type, ['spec', 'cni', 'networks', stem]);
  return wanted;
}

/** pluginBase is what every change for a plugin binary shares. */
function pluginBase(name: string, states: PluginStates) {
  return {
    address: address('cni.plugin', name),
    kind: 'cni.plugin' as const,
    before: null,
    disruption: 'none' as const,
    inputs: digest(states),
  };
}

/** planPresent is the noop for a binary present and executable in dir. */
function planPresent(
  name: string,
  dir: string,
  dirs: readonly string[],
  states: PluginStates,
): Change<CniPluginChangeData> {
  return {
    ...pluginBase(name, states),
    action: 'noop',
    before: `${dir}/${name}`,
    after: `${dir}/${name}`,
    reason: `${dir}/${name} is present and executable`,
    dependsOn: [],
    data: {name, dirs} satisfies CniPluginChangeData,
  };
}

/** planExternal is the noop and the condition for a `cni.external` binary not installed (or not executable) yet. */
function planExternal(
  name: string,
  dirs: readonly string[],
  states: PluginStates,
): {change: Change<CniPluginChangeData>; condition: Condition} {
  const base = pluginBase(name, states);
  const notExecutable = states.find(([, s]) => s === 'not-executable');
  const message = notExecutable
    ? `CNI plugin ${name} is at ${notExecutable[0]}/${name} but not executable yet; cni.external says another component installs it`
    : `CNI plugin ${name} is not in ${dirs.join(', ')} yet; cni.external says another component (its CNI DaemonSet) installs it`;
  return {
    condition: {address: base.address, kind: 'cni.plugin', type: 'cni-plugin-not-installed', message},
    change: {
      ...base,
      action: 'noop',
      before: null,
      after: null,
      reason: message,
      dependsOn: [],
      data: {name, dirs} satisfies CniPluginChangeData,
    },
  };
}

/**
 * planMissing plans a binary the document needs that is not executable in any of dirs: a `create` after the plan's
 * plugin package when it ships the binary into one of them, else the error saying what was found where.
 */
function planMissing(
  name: string,
  path: (string | number)[],
  dirs: readonly string[],
  states: PluginStates,
  packaged: boolean,
  observed: CniObserved,
): Change<CniPluginChangeData> | Diagnostic {
  const notExecutable = states.find(([, s]) => s === 'not-executable');
  if (notExecutable) {
    return error(`CNI plugin ${name}: ${notExecutable[0]}/${name} is not executable`, {
      path,
      detail: `expected an executable file; found mode without any x bit (chmod +x ${notExecutable[0]}/${name})`,
    });
  }
  const shipped = (pluginPackage.binaries as readonly string[]).includes(name);
  if (packaged && shipped) return planPackaged(name, path, dirs, states);
  const elsewhere = Object.entries(observed.binaries)
    .filter(([dir, names]) => !dirs.includes(dir) && names[name] === 'executable')
    .map(([dir]) => dir);
  return error(`CNI plugin ${name} is not in ${dirs.join(', ')}`, {
    path,
    detail:
      elsewhere.length > 0
        ? `found in ${elsewhere.join(', ')}: set cni.binDir to it (and the runtime's bin_dir)`
        : shipped
          ? `expected an executable ${dirs[0]}/${name}; install it (package ${pluginPackage.name}, or the CNI plugins release) before cosi checks it`
          : `expected an executable ${dirs[0]}/${name}; ${name} is not one of the reference plugins (${pluginPackage.name}): if another component (a CNI DaemonSet) installs it, list it in cni.external`,
  });
}

/**
 * planPackaged plans a binary the plan's plugin package ships: a `create` checked at apply when the package installs
 * into a directory the runtime searches, else the error naming both.
 */
function planPackaged(
  name: string,
  path: (string | number)[],
  dirs: readonly string[],
  states: PluginStates,
): Change<CniPluginChangeData> | Diagnostic {
  const packageDirs = pluginPackage.dirs.filter((d) => dirs.includes(d));
  if (packageDirs.length > 0) {
    return {
      ...pluginBase(name, states),
      action: 'create',
      after: `${packageDirs.join(' or ')}/${name}`,
      reason: `installed by package ${pluginPackage.name} in this plan`,
      dependsOn: [address('package', pluginPackage.name)],
      data: {name, dirs: packageDirs} satisfies CniPluginChangeData,
    };
  }
  return error(
    `CNI plugin ${name}: package ${pluginPackage.name} installs it into ${pluginPackage.dirs.join(' (Debian) or ')} (Fedora), but the runtime looks in ${dirs.join(', ')}`,
    {
      path,
      detail: `set cni.binDir: ${pluginPackage.dirs[0]} (and the runtime's bin_dir), or install the upstream release into ${dirs[0]}`,
    },
  );
}

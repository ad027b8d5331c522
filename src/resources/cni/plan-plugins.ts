import {error, warning, type Diagnostic} from '../../diag/diagnostic.js';
import {digest} from '../../engine/digest.js';
import type {PlanRequest, ProviderPlan} from '../../engine/provider.js';
import type {Change} from '../../plan/change.js';
import type {Condition} from '../../plan/condition.js';
import {address} from '../../plan/resource-kind.js';
import {defaultBinDirs, pluginPackage, runtimeCniDirs} from './cni-dirs.js';
import {pluginTypes} from './network-file.js';
import type {CniObserved} from './probe.js';

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
  const wanted = new Map<string, (string | number)[]>();
  for (const [index, name] of (cni.plugins ?? []).entries()) wanted.set(name, ['spec', 'cni', 'plugins', index]);
  for (const [index, name] of (cni.external ?? []).entries())
    if (!wanted.has(name)) wanted.set(name, ['spec', 'cni', 'external', index]);
  for (const [stem, network] of Object.entries(cni.networks ?? {}))
    for (const type of pluginTypes(network)) if (!wanted.has(type)) wanted.set(type, ['spec', 'cni', 'networks', stem]);
  const packaged = desired.packages.install.has(pluginPackage.name);

  for (const [name, path] of [...wanted].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const states = dirs.map((dir) => [dir, observed.binaries[dir]?.[name] ?? 'missing'] as const);
    const inputs = digest(states);
    const base = {
      address: address('cni.plugin', name),
      kind: 'cni.plugin' as const,
      before: null,
      disruption: 'none' as const,
      inputs,
    };
    const found = states.find(([, s]) => s === 'executable');
    if (found) {
      changes.push({
        ...base,
        action: 'noop',
        before: `${found[0]}/${name}`,
        after: `${found[0]}/${name}`,
        reason: `${found[0]}/${name} is present and executable`,
        dependsOn: [],
        data: {name, dirs} satisfies CniPluginChangeData,
      });
      continue;
    }
    const notExecutable = states.find(([, s]) => s === 'not-executable');
    if (external.has(name)) {
      const message = notExecutable
        ? `CNI plugin ${name} is at ${notExecutable[0]}/${name} but not executable yet; cni.external says another component installs it`
        : `CNI plugin ${name} is not in ${dirs.join(', ')} yet; cni.external says another component (its CNI DaemonSet) installs it`;
      conditions.push({address: base.address, kind: 'cni.plugin', type: 'cni-plugin-not-installed', message});
      changes.push({
        ...base,
        action: 'noop',
        before: null,
        after: null,
        reason: message,
        dependsOn: [],
        data: {name, dirs} satisfies CniPluginChangeData,
      });
      continue;
    }
    if (notExecutable) {
      diagnostics.push(
        error(`CNI plugin ${name}: ${notExecutable[0]}/${name} is not executable`, {
          path,
          detail: `expected an executable file; found mode without any x bit (chmod +x ${notExecutable[0]}/${name})`,
        }),
      );
      continue;
    }
    const packageDirs = pluginPackage.dirs.filter((d) => dirs.includes(d));
    if (packaged && (pluginPackage.binaries as readonly string[]).includes(name)) {
      if (packageDirs.length > 0) {
        changes.push({
          ...base,
          action: 'create',
          after: `${packageDirs.join(' or ')}/${name}`,
          reason: `installed by package ${pluginPackage.name} in this plan`,
          dependsOn: [address('package', pluginPackage.name)],
          data: {name, dirs: packageDirs} satisfies CniPluginChangeData,
        });
        continue;
      }
      diagnostics.push(
        error(
          `CNI plugin ${name}: package ${pluginPackage.name} installs it into ${pluginPackage.dirs.join(' (Debian) or ')} (Fedora), but the runtime looks in ${dirs.join(', ')}`,
          {
            path,
            detail: `set cni.binDir: ${pluginPackage.dirs[0]} (and the runtime's bin_dir), or install the upstream release into ${dirs[0]}`,
          },
        ),
      );
      continue;
    }
    const elsewhere = Object.entries(observed.binaries)
      .filter(([dir, names]) => !dirs.includes(dir) && names[name] === 'executable')
      .map(([dir]) => dir);
    const shipped = (pluginPackage.binaries as readonly string[]).includes(name);
    diagnostics.push(
      error(`CNI plugin ${name} is not in ${dirs.join(', ')}`, {
        path,
        detail:
          elsewhere.length > 0
            ? `found in ${elsewhere.join(', ')}: set cni.binDir to it (and the runtime's bin_dir)`
            : shipped
              ? `expected an executable ${dirs[0]}/${name}; install it (package ${pluginPackage.name}, or the CNI plugins release) before cosi checks it`
              : `expected an executable ${dirs[0]}/${name}; ${name} is not one of the reference plugins (${pluginPackage.name}): if another component (a CNI DaemonSet) installs it, list it in cni.external`,
      }),
    );
  }
  return {changes, diagnostics, conditions};
}

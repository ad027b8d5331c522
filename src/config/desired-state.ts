import type {DocumentPath} from '../diag/diagnostic.js';
import {canonicalModuleName} from '../names/module-name.js';
import {parseSysctlKey, type SysctlKey} from '../names/sysctl-key.js';
import type {CsiDriver, NodeConfig, PackageRefresh, Spec} from './generated/types.js';

/** Sourced is a desired value with the document paths that asked for it (one or several, after merging). */
export interface Sourced<T> {
  readonly value: T;
  readonly paths: readonly DocumentPath[];
}

/** DesiredSysctl is one kernel parameter the document sets. */
export interface DesiredSysctl {
  readonly key: SysctlKey;
  readonly value: string;
  readonly path: DocumentPath;
}

/** DesiredModule is one kernel module the document declares, by its canonical (`_`) name. */
export interface DesiredModule {
  readonly name: string;
  readonly state: 'loaded' | 'blocked';
  readonly parameters: Readonly<Record<string, string>>;
  readonly paths: readonly DocumentPath[];
}

/** DesiredService is one systemd unit the document (or a CSI driver) declares. */
export interface DesiredService {
  readonly unit: string;
  readonly enabled?: boolean;
  readonly state?: 'running' | 'stopped';
  readonly paths: readonly DocumentPath[];
}

/**
 * DesiredState is the document after requirement merging: CSI drivers' and the runtime's needs are folded into
 * the top-level sections, names are canonical, and every entry remembers where it came from. Providers plan from
 * this, never from the raw document.
 */
export interface DesiredState {
  readonly config: NodeConfig;
  readonly nodeName: string;
  readonly sysctls: ReadonlyMap<string, DesiredSysctl>;
  readonly modules: ReadonlyMap<string, DesiredModule>;
  readonly packages: {
    readonly manager: 'auto' | 'apt' | 'dnf' | 'apk';
    readonly install: ReadonlyMap<string, Sourced<string>>;
    readonly remove: ReadonlyMap<string, DocumentPath>;
    /** When to refresh the manager's lists: `never`, or when older than `maxAgeSeconds` (or missing). */
    readonly refresh: 'never' | {readonly maxAgeSeconds: number};
    /** Which services a transaction restarts afterwards (SPEC §1 `restartServices`). */
    readonly restartServices: 'requested' | 'auto';
  };
  readonly services: ReadonlyMap<string, DesiredService>;
}

/** durationSeconds reads a schema-checked duration (`1d12h`, `90m`) as seconds. */
export function durationSeconds(text: string): number {
  const units: Record<string, number> = {d: 86400, h: 3600, m: 60, s: 1};
  let total = 0;
  for (const [, count, unit] of text.matchAll(/([0-9]+)([dhms])/g)) total += Number(count) * units[unit!]!;
  return total;
}

function packagesOf(
  packages: NonNullable<NodeConfig['spec']>['packages'],
  install: DesiredState['packages']['install'],
  remove: DesiredState['packages']['remove'],
): DesiredState['packages'] {
  return {
    manager: packages?.manager ?? 'auto',
    install,
    remove,
    refresh: refreshOf(packages?.refresh),
    restartServices: packages?.restartServices ?? 'requested',
  };
}

function refreshOf(refresh: PackageRefresh | undefined): 'never' | {maxAgeSeconds: number} {
  return refresh === undefined || refresh === 'never' ? 'never' : {maxAgeSeconds: durationSeconds(refresh.maxAge)};
}

/** runtimePackage is the distribution package that provides a runtime engine. */
export function runtimePackage(engine: 'containerd' | 'crio'): string {
  return engine === 'crio' ? 'cri-o' : 'containerd';
}

/**
 * buildDesiredState merges a schema-valid document into a DesiredState. Pure; it assumes `checkRules` found no
 * conflicts (on conflicts the first declaration wins).
 */
export function buildDesiredState(config: NodeConfig): DesiredState {
  const spec = config.spec ?? {};
  const sysctls = desiredSysctls(spec);
  const modules = declaredModules(spec);
  const install = new Map<string, Sourced<string>>();
  for (const [name, constraint] of Object.entries(spec.packages?.install ?? {}))
    addPackage(install, name, constraint, ['spec', 'packages', 'install', name]);
  const remove = new Map<string, DocumentPath>();
  for (const [index, name] of (spec.packages?.remove ?? []).entries())
    remove.set(name, ['spec', 'packages', 'remove', index]);
  const services = declaredServices(spec);

  if (spec.runtime) {
    addPackage(install, runtimePackage(spec.runtime.engine), spec.runtime.version ?? '*', [
      'spec',
      'runtime',
      spec.runtime.version ? 'version' : 'engine',
    ]);
  }
  for (const [driver, needs] of Object.entries(spec.csi?.drivers ?? {}))
    mergeCsiDriver(driver, needs, {install, modules, services});

  return {
    config,
    nodeName: config.metadata.name,
    sysctls,
    modules,
    packages: packagesOf(spec.packages, install, remove),
    services,
  };
}

/** desiredSysctls reads `spec.sysctls` by canonical key name; of two forms of one key the first wins. */
function desiredSysctls(spec: Spec): Map<string, DesiredSysctl> {
  const sysctls = new Map<string, DesiredSysctl>();
  for (const [text, value] of Object.entries(spec.sysctls ?? {})) {
    const key = parseSysctlKey(text);
    if (key && !sysctls.has(key.name))
      sysctls.set(key.name, {key, value: String(value), path: ['spec', 'sysctls', text]});
  }
  return sysctls;
}

/**
 * declaredModules reads `spec.modules` by canonical name (the first of two spellings wins), with parameters as the
 * kernel reads them (booleans as `Y`/`N`).
 */
function declaredModules(spec: Spec): Map<string, DesiredModule> {
  const modules = new Map<string, DesiredModule>();
  for (const [name, module] of Object.entries(spec.modules ?? {})) {
    const canonical = canonicalModuleName(name);
    if (modules.has(canonical)) continue;
    const parameters = Object.fromEntries(
      Object.entries(module.parameters ?? {}).map(([k, v]) => [
        k,
        typeof v === 'boolean' ? (v ? 'Y' : 'N') : String(v),
      ]),
    );
    modules.set(canonical, {
      name: canonical,
      state: module.state ?? 'loaded',
      parameters,
      paths: [['spec', 'modules', name]],
    });
  }
  return modules;
}

/** declaredServices reads `spec.services`, keeping only the fields the document sets. */
function declaredServices(spec: Spec): Map<string, DesiredService> {
  const services = new Map<string, DesiredService>();
  for (const [unit, service] of Object.entries(spec.services ?? {})) {
    services.set(unit, {
      unit,
      ...(service.enabled !== undefined ? {enabled: service.enabled} : {}),
      ...(service.state ? {state: service.state} : {}),
      paths: [['spec', 'services', unit]],
    });
  }
  return services;
}

/** addPackage asks for a package: a package already asked for keeps its constraint and gains the path. */
function addPackage(install: Map<string, Sourced<string>>, name: string, constraint: string, path: DocumentPath): void {
  const existing = install.get(name);
  install.set(
    name,
    existing ? {value: existing.value, paths: [...existing.paths, path]} : {value: constraint, paths: [path]},
  );
}

/**
 * mergeCsiDriver folds one CSI driver's needs into the top-level sections: its packages, its modules (loaded unless
 * declared) and its services (enabled and running unless declared), each remembering the driver's path.
 */
function mergeCsiDriver(
  driver: string,
  needs: CsiDriver,
  into: {
    install: Map<string, Sourced<string>>;
    modules: Map<string, DesiredModule>;
    services: Map<string, DesiredService>;
  },
): void {
  const {install, modules, services} = into;
  const base = ['spec', 'csi', 'drivers', driver];
  for (const [name, constraint] of Object.entries(needs.packages ?? {}))
    addPackage(install, name, constraint, [...base, 'packages', name]);
  for (const [index, name] of (needs.modules ?? []).entries()) {
    const canonical = canonicalModuleName(name);
    const existing = modules.get(canonical);
    modules.set(
      canonical,
      existing
        ? {...existing, paths: [...existing.paths, [...base, 'modules', index]]}
        : {name: canonical, state: 'loaded', parameters: {}, paths: [[...base, 'modules', index]]},
    );
  }
  for (const [index, unit] of (needs.services ?? []).entries()) {
    const existing = services.get(unit);
    services.set(
      unit,
      existing
        ? {...existing, paths: [...existing.paths, [...base, 'services', index]]}
        : {unit, enabled: true, state: 'running', paths: [[...base, 'services', index]]},
    );
  }
}

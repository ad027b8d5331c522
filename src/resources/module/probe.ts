import {readConfigFile} from '../shared/read-config-file.js';
import type {Host} from '../../host/host.js';
import {managedOfKind, type CosiState, type ManagedRecord} from '../../engine/state.js';
import type {ProbeRequest} from '../../engine/provider.js';
import {filesystemModules, kconfigSymbols, moduleWitnesses, parseKconfig, type KconfigValue} from './kconfig.js';
import {cmdlineFile, parseModuleCmdline, type ModuleCmdline} from './kernel-cmdline.js';
import {canonicalName} from './module-name.js';
import {aliasTargets, parseModulesAlias, parseModulesBuiltin, parseModulesDep} from './modules-dep.js';
import {
  cosiModulesLoadFile,
  modulesLoadDirs,
  orderConfigFiles,
  parseModulesLoadFile,
  type ModulesLoadFile,
} from './modules-load-d.js';
import {cosiModprobeFile, modprobeDirs, parseModprobeFile, type ModprobeFile} from './modprobe-d.js';
import {parseProcModules, type LoadedModule} from './proc-modules.js';
import {detectInitramfs, initramfsAddress, reservedModuleName, type InitramfsObserved} from './initramfs-tool.js';

/** managedModules lists the module records of cosi's state, without the initramfs rebuild's (`module.initramfs`). */
export function managedModules(state: CosiState): Array<[string, ManagedRecord]> {
  return managedOfKind(state, 'module').filter(([address]) => address !== initramfsAddress);
}

/**
 * Presence is whether a module exists on the running kernel: `loadable` (a module file; `via` lists the modules an
 * alias resolves to), `builtin` (compiled in: always loaded, parameters only on the kernel command line, with the
 * evidence), or `missing` (why cosi thinks so).
 */
export type Presence =
  | {readonly kind: 'loadable'; readonly via?: readonly string[]}
  | {readonly kind: 'builtin'; readonly evidence: string}
  | {readonly kind: 'missing'; readonly why: string};

/** ModuleStatus is the live state of one module the document declares or cosi manages. */
export interface ModuleStatus {
  /** Canonical name as declared. */
  readonly name: string;
  /** The name the kernel knows it by (differs when the declared name is an alias). */
  readonly realName: string;
  readonly presence: Presence;
  readonly loaded: boolean;
  /** Reference count from /proc/modules; null when not loaded or the kernel cannot unload modules. */
  readonly refcount: number | null;
  readonly holders: readonly string[];
  readonly inUse: boolean;
  /** Live parameters from /sys/module/NAME/parameters (null: not readable); undefined when there is no such directory. */
  readonly parameters?: Readonly<Record<string, string | null>>;
}

/** ModuleObserved is the probed kernel-module state: live modules, cosi's files, and the boot-time configuration. */
export interface ModuleObserved {
  readonly kernel: string;
  /** Whether the kernel loads modules at all (/proc/modules exists). */
  readonly moduleSupport: boolean;
  /** The running kernel's module directory, when it has a modules.dep. */
  readonly modulesDir: string | null;
  readonly modules: Readonly<Record<string, ModuleStatus>>;
  /** Modules listed in cosi's modules-load.d file. */
  readonly cosiLoad: readonly string[];
  /** Lines of cosi's modprobe.d file, by module. */
  readonly cosiProbe: Readonly<Record<string, readonly string[]>>;
  /** Every modules-load.d file systemd reads at boot, in order (entries of the relevant modules only). */
  readonly loadFiles: readonly ModulesLoadFile[];
  /** Every modprobe.d file kmod reads, in order (directives of the relevant modules only). */
  readonly probeFiles: readonly ModprobeFile[];
  /** The kernel command line's module settings (relevant modules only). */
  readonly cmdline: ModuleCmdline;
  /** The initramfs tool and its images, which carry their own copy of cosi's files. */
  readonly initramfs: InitramfsObserved;
}

/**
 * probeModules reads, for every module the document declares or cosi manages: /proc/modules, the running kernel's
 * modules.dep and modules.builtin (modules.alias only for names found in neither), /sys/module/NAME, and every
 * modules-load.d and modprobe.d file in the order systemd and kmod read them, plus the kernel command line. On a
 * kernel without loadable modules or without a module directory it works out built-in modules from /sys/module,
 * the file systems and sysctls they register, and the kernel configuration. Read-only; runs at most one process
 * (`gzip -dc /proc/config.gz`), and only when nothing else can tell. It also finds the initramfs tool and its images
 * (`detectInitramfs`).
 */
export async function probeModules({host, desired, state}: ProbeRequest): Promise<ModuleObserved> {
  const names = new Set<string>(desired.modules.keys());
  for (const [address] of managedModules(state)) names.add(canonicalName(address.slice('module.'.length)));
  names.delete(reservedModuleName);

  const kernel = (await host.readText('/proc/sys/kernel/osrelease'))?.trim() ?? 'unknown';
  const [procModules, index, loadFiles, probeFiles, cmdlineText, initramfs] = await Promise.all([
    host.readText('/proc/modules'),
    readIndex(host, kernel),
    readLoadFiles(host),
    readProbeFiles(host),
    host.readText(cmdlineFile),
    detectInitramfs(host),
  ]);
  const loaded = parseProcModules(procModules ?? '');
  const moduleSupport = procModules !== undefined;
  const evidence = new Evidence(host, kernel);

  const modules: Record<string, ModuleStatus> = {};
  const context: StatusContext = {host, loaded, index, moduleSupport, evidence, kernel, probeFiles, aliases: {}};
  for (const name of [...names].sort()) modules[name] = await moduleStatus(name, context);

  const relevant = (module: string) => names.has(module) || Object.values(modules).some((m) => m.realName === module);
  const cmdline = parseModuleCmdline(cmdlineText ?? '');
  const own = probeFiles.find((f) => f.path === cosiModprobeFile);
  const cosiProbe: Record<string, string[]> = {};
  for (const d of own?.directives ?? []) cosiProbe[d.module] = [...(cosiProbe[d.module] ?? []), d.text];
  return {
    kernel,
    moduleSupport,
    modulesDir: index?.dir ?? null,
    modules,
    cosiLoad: loadFiles.find((f) => f.path === cosiModulesLoadFile)?.entries.map((e) => e.module) ?? [],
    cosiProbe,
    loadFiles: loadFiles.map((f) => ({path: f.path, entries: f.entries.filter((e) => relevant(e.module))})),
    probeFiles: probeFiles.map((f) => ({path: f.path, directives: f.directives.filter((d) => relevant(d.module))})),
    cmdline: {
      load: cmdline.load.filter(relevant),
      blacklist: cmdline.blacklist.filter(relevant),
      options: cmdline.options.filter((o) => relevant(o.module)),
    },
    initramfs,
  };
}

/** StatusContext is what the status of each module is probed from; `aliases` is read once, when first needed. */
interface StatusContext {
  readonly host: Host;
  readonly loaded: ReadonlyMap<string, LoadedModule>;
  readonly index: Index | undefined;
  readonly moduleSupport: boolean;
  readonly evidence: Evidence;
  readonly kernel: string;
  readonly probeFiles: readonly ModprobeFile[];
  readonly aliases: {list?: ReturnType<typeof parseModulesAlias>};
}

/**
 * moduleStatus probes one module: its presence (a name the kernel does not know may be an alias of one it does, see
 * {@link resolveAlias}), whether it is loaded and in use, and its parameters.
 */
async function moduleStatus(name: string, context: StatusContext): Promise<ModuleStatus> {
  const {host, loaded} = context;
  const {realName, presence} = await resolveAlias(name, await presenceOf(name, context), context);
  const live = loaded.get(realName);
  return {
    name,
    realName,
    presence,
    loaded: live !== undefined || presence.kind === 'builtin',
    refcount: live?.refcount ?? null,
    holders: live?.holders ?? [],
    inUse: live ? liveInUse(live) : presence.kind === 'builtin',
    ...(await readParameters(host, realName)),
  };
}

/**
 * resolveAlias resolves a missing module's name through modules.alias and the modprobe.d `alias` lines to the
 * module it names (a loaded target first); any other presence, or an alias with no known target, stays as it is.
 */
async function resolveAlias(
  name: string,
  presence: Presence,
  {host, loaded, index, probeFiles, aliases}: StatusContext,
): Promise<{realName: string; presence: Presence}> {
  if (presence.kind !== 'missing' || !index) return {realName: name, presence};
  aliases.list ??= [
    ...parseModulesAlias((await host.readText(`${index.dir}/modules.alias`)) ?? ''),
    ...probeFiles.flatMap((f) =>
      f.directives.filter((d) => d.command === 'alias').map((d) => ({pattern: d.args, module: d.module})),
    ),
  ];
  const targets = aliasTargets(aliases.list, name).filter(
    (t) => index.loadable.has(t) || index.builtin.has(t) || loaded.has(t),
  );
  if (targets.length === 0) return {realName: name, presence};
  const realName = targets.find((t) => loaded.has(t)) ?? targets[0]!;
  return {
    realName,
    presence: index.builtin.has(realName)
      ? {kind: 'builtin', evidence: `alias of ${realName}, listed in ${index.dir}/modules.builtin`}
      : {kind: 'loadable', via: targets},
  };
}

function liveInUse(module: LoadedModule): boolean {
  return module.refcount === null || module.refcount !== 0 || module.holders.length > 0;
}

interface Index {
  readonly dir: string;
  readonly loadable: ReadonlyMap<string, readonly string[]>;
  readonly builtin: ReadonlySet<string>;
}

async function readIndex(host: Host, kernel: string): Promise<Index | undefined> {
  for (const base of ['/lib/modules', '/usr/lib/modules']) {
    const dir = `${base}/${kernel}`;
    const dep = await host.readText(`${dir}/modules.dep`);
    if (dep === undefined) continue;
    return {
      dir,
      loadable: parseModulesDep(dep),
      builtin: parseModulesBuiltin((await host.readText(`${dir}/modules.builtin`)) ?? ''),
    };
  }
  return undefined;
}

async function presenceOf(
  name: string,
  {
    loaded,
    index,
    moduleSupport,
    evidence,
    kernel,
  }: {
    loaded: ReadonlyMap<string, LoadedModule>;
    index: Index | undefined;
    moduleSupport: boolean;
    evidence: Evidence;
    kernel: string;
  },
): Promise<Presence> {
  if (loaded.has(name)) return {kind: 'loadable'};
  if (index?.builtin.has(name)) return {kind: 'builtin', evidence: `listed in ${index.dir}/modules.builtin`};
  const seen = await evidence.builtin(name);
  if (seen) return {kind: 'builtin', evidence: seen};
  if (index?.loadable.has(name))
    return moduleSupport
      ? {kind: 'loadable'}
      : {kind: 'missing', why: `this kernel (${kernel}) has no loadable-module support (no /proc/modules)`};
  const config = await evidence.kconfig(name, index === undefined);
  if (config?.value === 'y') return {kind: 'builtin', evidence: `${config.symbol}=y in ${config.file}`};
  if (!moduleSupport)
    return {
      kind: 'missing',
      why: `this kernel (${kernel}) has no loadable-module support (no /proc/modules) and does not have it built in`,
    };
  if (!index) {
    return config?.value === 'm'
      ? {
          kind: 'missing',
          why: `it is built as a module (${config.symbol}=m) but this node has no /lib/modules/${kernel} to load it from`,
        }
      : {
          kind: 'missing',
          why: `this node has no /lib/modules/${kernel}/modules.dep to load it from, and nothing shows it built in`,
        };
  }
  return {kind: 'missing', why: `it is not in ${index.dir}/modules.dep, modules.builtin or modules.alias`};
}

/** Evidence finds signs that a module is built in, reading each source once. */
class Evidence {
  private filesystems?: Promise<Set<string>>;
  private config?: Promise<{file: string; values: Map<string, KconfigValue>} | undefined>;

  constructor(
    private readonly host: Host,
    private readonly kernel: string,
  ) {}

  /** builtin returns how the node shows a module (not in /proc/modules) to be built in, if it does. */
  async builtin(name: string): Promise<string | undefined> {
    const entries = await this.host.readDir(`/sys/module/${name}`);
    if (entries && !entries.includes('initstate')) return `/sys/module/${name} exists without an initstate`;
    const witness = moduleWitnesses[name];
    if (witness && (await this.host.stat(witness))) return `${witness} exists`;
    if (filesystemModules.has(name)) {
      this.filesystems ??= this.host
        .readText('/proc/filesystems')
        .then((t) => new Set((t ?? '').split('\n').map((l) => l.trim().split(/\s+/).pop() ?? '')));
      if ((await this.filesystems).has(name)) return `file system ${name} is in /proc/filesystems`;
    }
    return undefined;
  }

  /** kconfig looks a module's configuration symbol up in the boot config (or /proc/config.gz when `deep`). */
  async kconfig(name: string, deep: boolean): Promise<{symbol: string; value: KconfigValue; file: string} | undefined> {
    const symbol = kconfigSymbols[name];
    if (!symbol) return undefined;
    this.config ??= this.readKconfig(deep);
    const config = await this.config;
    const value = config?.values.get(symbol);
    return config && value ? {symbol, value, file: config.file} : undefined;
  }

  private async readKconfig(deep: boolean): Promise<{file: string; values: Map<string, KconfigValue>} | undefined> {
    const file = `/boot/config-${this.kernel}`;
    const text = await this.host.readText(file);
    if (text !== undefined) return {file, values: parseKconfig(text)};
    if (!deep || !(await this.host.stat('/proc/config.gz'))) return undefined;
    const request = {argv: ['gzip', '-dc', '/proc/config.gz'], timeoutMs: 30_000};
    const result = await this.host.run(request);
    return result.exitCode === 0 ? {file: '/proc/config.gz', values: parseKconfig(result.stdout)} : undefined;
  }
}

async function readParameters(host: Host, name: string): Promise<{parameters?: Record<string, string | null>}> {
  const dir = `/sys/module/${name}/parameters`;
  const names = await host.readDir(dir);
  if (!names) return {};
  const values = await Promise.all(
    names.map(async (p): Promise<[string, string | null]> => {
      try {
        const text = await host.readText(`${dir}/${p}`);
        return [canonicalName(p), text === undefined ? null : text.replace(/\n$/, '')];
      } catch {
        return [canonicalName(p), null];
      }
    }),
  );
  return {parameters: Object.fromEntries(values)};
}

async function readLoadFiles(host: Host): Promise<ModulesLoadFile[]> {
  const paths = await orderedFiles(host, modulesLoadDirs);
  return Promise.all(
    paths.map(async (path) => ({path, entries: parseModulesLoadFile((await readConfigFile(host, path)) ?? '')})),
  );
}

async function readProbeFiles(host: Host): Promise<ModprobeFile[]> {
  const paths = await orderedFiles(host, modprobeDirs);
  return Promise.all(
    paths.map(async (path) => ({path, directives: parseModprobeFile((await readConfigFile(host, path)) ?? '')})),
  );
}

async function orderedFiles(host: Host, dirs: readonly string[]): Promise<string[]> {
  // The same directory may be reached twice (/lib -> /usr/lib on merged-/usr systems): read it once, as kmod does.
  const seen = new Set<string>();
  const listing: Array<{dir: string; names: string[]}> = [];
  for (const dir of dirs) {
    const real = await host.resolve(dir);
    if (seen.has(real)) continue;
    seen.add(real);
    listing.push({dir, names: (await host.readDir(dir)) ?? []});
  }
  return orderConfigFiles(listing);
}

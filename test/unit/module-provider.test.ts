// The kernel-module provider on fixture roots: probes of a Debian 12 node and of a microVM without loadable
// modules, plans (ordering with sysctls, reload vs reboot, built-in and missing modules, other files' settings),
// applies through a fake kmod that simulates modprobe and rmmod against the fixture's /proc/modules and
// /sys/module, and the provider conformance suite.
import test from 'ava';
import {lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync} from 'node:fs';
import {mkdir, readFile, rm, writeFile} from 'node:fs/promises';
import {dirname, join} from 'node:path';
import {gunzipSync} from 'node:zlib';
import type {NodeConfig} from '../../src/config/generated/types.js';
import {applyChanges} from '../../src/engine/apply-changes.js';
import {defineProvider, type Provider} from '../../src/engine/provider.js';
import {loadState} from '../../src/engine/state.js';
import type {CommandRequest, CommandResult} from '../../src/host/command.js';
import {createHost, type Host} from '../../src/host/host.js';
import {moduleProvider} from '../../src/resources/module/provider.js';
import {probeModules} from '../../src/resources/module/probe.js';
import {parseModprobeFile, parseOptions} from '../../src/resources/module/modprobe-d.js';
import {parseModulesDep} from '../../src/resources/module/modules-dep.js';
import {parseProcModules, type LoadedModule} from '../../src/resources/module/proc-modules.js';
import {sysctlProvider} from '../../src/resources/sysctl/provider.js';
import {emptyState} from '../../src/engine/state.js';
import {conformance} from '../lib/conformance.js';
import {createFixtureRoot, type FixtureRoot} from '../lib/fixture-root.js';
import {desiredFrom} from '../lib/document.js';
import {providerRun} from '../lib/provider-run.js';

const repo = new URL('../../../', import.meta.url).pathname;
const debianKernel = '6.1.0-56-amd64';

/** fixtureTree reads a fixture root under fixtures/modules/ into node path -> content, and its symlinks. */
function fixtureTree(name: string): {files: Record<string, string>; links: Record<string, string>} {
  const base = join(repo, 'fixtures/modules', name);
  const files: Record<string, string> = {};
  const links: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(base, dir))) {
      const nodePath = `${dir}/${entry}`;
      const stats = lstatSync(join(base, nodePath));
      if (stats.isSymbolicLink()) links[nodePath] = readlinkSync(join(base, nodePath));
      else if (stats.isDirectory()) walk(nodePath);
      else files[nodePath] = readFileSync(join(base, nodePath), 'latin1');
    }
  };
  walk('');
  return {files, links};
}

interface Node {
  readonly root: FixtureRoot;
  readonly host: Host;
  readonly calls: string[][];
}

/** node makes a fixture root from a fixture tree plus extra files, with a host whose commands the fake kmod runs. */
async function node(
  name: 'debian12' | 'microvm',
  extra: Record<string, string> = {},
  options: {noCommands?: boolean} = {},
): Promise<Node> {
  const tree = fixtureTree(name);
  const root = await createFixtureRoot({...tree.files, ...extra});
  for (const [path, target] of Object.entries(tree.links)) {
    mkdirSync(dirname(join(root.dir, path)), {recursive: true});
    symlinkSync(target, join(root.dir, path));
  }
  // config.gz is binary: copy it byte for byte.
  if (tree.files['/proc/config.gz'])
    await writeFile(
      join(root.dir, 'proc/config.gz'),
      readFileSync(join(repo, 'fixtures/modules', name, 'proc/config.gz')),
    );
  const calls: string[][] = [];
  const runner = options.noCommands ? refuseCommands : fakeKmod(root.dir, calls);
  return {root, host: createHost({root: root.dir, runner}), calls};
}

const refuseCommands = async (): Promise<CommandResult> => ({
  exitCode: 127,
  timedOut: false,
  stdout: '',
  stderr: 'no commands here',
  started: false,
});

/** Default parameters the fake kernel gives modules it loads. */
const defaultParameters: Record<string, Record<string, string>> = {
  nf_conntrack: {hashsize: '65536', expect_hashsize: '1024', acct: 'N'},
  overlay: {index: 'Y', metacopy: 'N'},
};

/** Sysctl files that appear when a module is loaded. */
const moduleSysctls: Record<string, Record<string, string>> = {
  br_netfilter: {'net/bridge/bridge-nf-call-iptables': '0', 'net/bridge/bridge-nf-call-ip6tables': '0'},
  nf_conntrack: {'net/netfilter/nf_conntrack_max': '262144'},
};

/**
 * fakeKmod simulates modprobe (dependencies, alias-free names, options from every modprobe.d file then the command
 * line, `install NAME /bin/false`), rmmod (refuses a module in use) and `gzip -dc` against a fixture root.
 */
function fakeKmod(dir: string, calls: string[][]): (request: CommandRequest) => Promise<CommandResult> {
  const ok = (stdout = ''): CommandResult => ({exitCode: 0, timedOut: false, stdout, stderr: '', started: true});
  const fail = (stderr: string): CommandResult => ({exitCode: 1, timedOut: false, stdout: '', stderr, started: true});
  const file = (p: string) => join(dir, p);
  const readProc = async () => parseProcModules(await readFile(file('proc/modules'), 'utf8').catch(() => ''));
  const writeProc = async (modules: Map<string, LoadedModule>) =>
    writeFile(
      file('proc/modules'),
      [...modules.values()]
        .map(
          (m) =>
            `${m.name} 16384 ${m.refcount} ${m.holders.length > 0 ? `${m.holders.join(',')},` : '-'} Live 0x0000000000000000\n`,
        )
        .join(''),
    );
  const modprobeConfig = async () => {
    const directives = [];
    for (const d of ['etc/modprobe.d', 'run/modprobe.d', 'lib/modprobe.d']) {
      let names: string[] = [];
      try {
        names = readdirSync(file(d))
          .filter((n) => n.endsWith('.conf'))
          .sort();
      } catch {
        continue;
      }
      for (const n of names) directives.push(...parseModprobeFile(await readFile(file(`${d}/${n}`), 'utf8')));
    }
    return directives;
  };

  return async ({argv}) => {
    calls.push([...argv]);
    const [command, ...args] = argv;
    if (command === 'gzip' && args[0] === '-dc') return ok(gunzipSync(readFileSync(file(args[1]!))).toString('utf8'));
    const modules = await readProc();
    if (command === 'modprobe') {
      const [name, ...params] = args as [string, ...string[]];
      const dep = parseModulesDep(await readFile(file(`lib/modules/${debianKernel}/modules.dep`), 'utf8'));
      if (!dep.has(name))
        return fail(`modprobe: FATAL: Module ${name} not found in directory /lib/modules/${debianKernel}`);
      const config = await modprobeConfig();
      const load = async (
        m: string,
        holder: string | undefined,
        extra: readonly string[],
      ): Promise<string | undefined> => {
        const install = config.find((d) => d.command === 'install' && d.module === m);
        if (install?.args === '/bin/false')
          return `modprobe: ERROR: Error running install command '/bin/false' for module ${m}: retcode 1`;
        const existing = modules.get(m);
        if (existing) {
          if (holder)
            modules.set(m, {
              ...existing,
              refcount: (existing.refcount ?? 0) + 1,
              holders: [...existing.holders, holder],
            });
          return undefined;
        }
        for (const d of dep.get(m) ?? []) {
          const problem = await load(d, m, []);
          if (problem) return problem;
        }
        const options = [
          ...config.filter((d) => d.command === 'options' && d.module === m).flatMap((d) => parseOptions(d.args)),
          ...parseOptions(extra.join(' ')),
        ];
        const values = {...defaultParameters[m], ...Object.fromEntries(options)};
        await mkdir(file(`sys/module/${m}/parameters`), {recursive: true});
        await writeFile(file(`sys/module/${m}/initstate`), 'live\n');
        for (const [p, v] of Object.entries(values)) await writeFile(file(`sys/module/${m}/parameters/${p}`), `${v}\n`);
        for (const [key, value] of Object.entries(moduleSysctls[m] ?? {})) {
          await mkdir(dirname(file(`proc/sys/${key}`)), {recursive: true});
          await writeFile(file(`proc/sys/${key}`), `${value}\n`);
        }
        modules.set(m, {name: m, refcount: holder ? 1 : 0, holders: holder ? [holder] : [], state: 'Live'});
        return undefined;
      };
      const problem = await load(name, undefined, params);
      if (problem) return fail(problem);
      await writeProc(modules);
      return ok();
    }
    if (command === 'rmmod') {
      const name = args[0]!;
      const module = modules.get(name);
      if (!module) return fail(`rmmod: ERROR: Module ${name} is not currently loaded`);
      if (module.refcount !== 0 || module.holders.length > 0)
        return fail(
          `rmmod: ERROR: Module ${name} is in use${module.holders.length > 0 ? ` by: ${module.holders.join(' ')}` : ''}`,
        );
      modules.delete(name);
      for (const [other, m] of modules) {
        if (m.holders.includes(name))
          modules.set(other, {...m, refcount: (m.refcount ?? 1) - 1, holders: m.holders.filter((h) => h !== name)});
      }
      await rm(file(`sys/module/${name}`), {recursive: true, force: true});
      for (const key of Object.keys(moduleSysctls[name] ?? {})) await rm(file(`proc/sys/${key}`), {force: true});
      await writeProc(modules);
      return ok();
    }
    return {exitCode: 127, timedOut: false, stdout: '', stderr: `${command}: not simulated`, started: false};
  };
}

const providers: Provider[] = [moduleProvider as Provider, sysctlProvider as Provider];

const {plan, apply} = providerRun(providers);

async function withNode(
  name: 'debian12' | 'microvm',
  extra: Record<string, string>,
  body: (n: Node) => Promise<void>,
  options: {noCommands?: boolean} = {},
): Promise<void> {
  const n = await node(name, extra, options);
  try {
    await body(n);
  } finally {
    await n.root.cleanup();
  }
}

async function loaded(n: Node): Promise<Map<string, LoadedModule>> {
  return parseProcModules((await n.root.read('/proc/modules')) ?? '');
}

const kubernetes: NodeConfig['spec'] = {
  modules: {br_netfilter: {}, overlay: {}, nf_conntrack: {parameters: {hashsize: 131072}}, floppy: {state: 'blocked'}},
  sysctls: {'net.bridge.bridge-nf-call-iptables': 1},
};

// ---------------------------------------------------------------------------------------------------------------
// Probe

test('probe (Debian 12): loaded, unused, in use, loadable, built in, missing, alias, parameters', (t) =>
  withNode('debian12', {}, async ({host}) => {
    const desired = desiredFrom({
      modules: {floppy: {}, x_tables: {}, 'br-netfilter': {}, ipv6: {}, nosuchmod: {}, ip_conntrack: {}},
    });
    const observed = await probeModules({host, desired, state: emptyState});
    t.is(observed.kernel, debianKernel);
    t.true(observed.moduleSupport);
    t.is(observed.modulesDir, `/lib/modules/${debianKernel}`);
    const m = observed.modules;
    t.like(m.floppy, {
      presence: {kind: 'loadable'},
      loaded: true,
      refcount: 0,
      inUse: false,
      parameters: {floppy: '(null)'},
    });
    t.like(m.x_tables, {loaded: true, refcount: 1, holders: ['ip_tables'], inUse: true});
    t.like(m.br_netfilter, {presence: {kind: 'loadable'}, loaded: false, inUse: false});
    t.is(m.br_netfilter!.parameters, undefined);
    t.like(m.ipv6, {
      presence: {kind: 'builtin', evidence: `listed in /lib/modules/${debianKernel}/modules.builtin`},
      loaded: true,
      inUse: true,
    });
    t.is(m.nosuchmod!.presence.kind, 'missing');
    t.regex((m.nosuchmod!.presence as {why: string}).why, /modules\.dep, modules\.builtin or modules\.alias/);
    t.like(m.ip_conntrack, {
      realName: 'nf_conntrack',
      presence: {kind: 'loadable', via: ['nf_conntrack']},
      loaded: false,
    });
  }));

test('probe (Debian 12): every modules-load.d and modprobe.d directory in real precedence, masks and the command line', (t) =>
  withNode(
    'debian12',
    {
      '/etc/modules': 'br_netfilter\n',
      '/usr/lib/modules-load.d/k8s.conf': 'overlay\n',
      '/etc/modules-load.d/k8s.conf': 'nf_conntrack\n',
      '/run/modprobe.d/zz.conf': 'options nf_conntrack hashsize=1\n',
      '/usr/lib/modprobe.d/aa.conf': 'blacklist br_netfilter\n',
      '/usr/local/lib/modprobe.d/mask.conf': 'blacklist overlay\n',
      '/proc/cmdline': 'root=/dev/vda modprobe.blacklist=floppy nf_conntrack.expect_hashsize=9 unrelated.x=1\n',
    },
    async ({host, root}) => {
      mkdirSync(join(root.dir, 'etc/modprobe.d'), {recursive: true});
      symlinkSync('/dev/null', join(root.dir, 'etc/modprobe.d/mask.conf'));
      const desired = desiredFrom({modules: {br_netfilter: {}, overlay: {}, nf_conntrack: {}, floppy: {}}});
      const observed = await probeModules({host, desired, state: emptyState});
      t.deepEqual(
        observed.loadFiles.map((f) => [f.path, f.entries.map((e) => e.module)]),
        [
          ['/etc/modules-load.d/k8s.conf', ['nf_conntrack']],
          ['/etc/modules-load.d/modules.conf', ['br_netfilter']],
        ],
        '/etc hides /usr/lib of the same name; the /etc/modules link is followed',
      );
      t.deepEqual(
        observed.probeFiles.map((f) => [f.path, f.directives.map((d) => d.text)]),
        [
          ['/usr/lib/modprobe.d/aa.conf', ['blacklist br_netfilter']],
          ['/lib/modprobe.d/aliases.conf', []],
          ['/lib/modprobe.d/fbdev-blacklist.conf', []],
          ['/etc/modprobe.d/mask.conf', []],
          ['/lib/modprobe.d/systemd.conf', []],
          ['/run/modprobe.d/zz.conf', ['options nf_conntrack hashsize=1']],
        ],
        'sorted by name across directories; /dev/null masks the /usr/local one; only relevant directives kept',
      );
      t.deepEqual(observed.cmdline, {
        load: [],
        blacklist: ['floppy'],
        options: [{module: 'nf_conntrack', parameter: 'expect_hashsize', value: '9'}],
      });
    },
  ));

test('probe (microVM without loadable modules): built-in modules from /sys/module, sysctls, file systems, /proc/config.gz', (t) =>
  withNode('microvm', {}, async ({host, calls}) => {
    const desired = desiredFrom({
      modules: {
        br_netfilter: {},
        bridge: {},
        overlay: {},
        nf_conntrack: {},
        fuse: {},
        vxlan: {},
        ip_vs: {},
        floppy: {},
      },
    });
    const observed = await probeModules({host, desired, state: emptyState});
    t.false(observed.moduleSupport);
    t.is(observed.modulesDir, null);
    const m = observed.modules;
    t.like(m.br_netfilter, {presence: {kind: 'builtin', evidence: '/proc/sys/net/bridge exists'}, loaded: true});
    t.like(m.bridge, {presence: {kind: 'builtin', evidence: '/sys/module/bridge exists without an initstate'}});
    t.like(m.nf_conntrack, {
      presence: {kind: 'builtin'},
      parameters: {hashsize: '262144', expect_hashsize: '1024', acct: 'N'},
    });
    t.like(m.overlay, {presence: {kind: 'builtin'}});
    t.like(m.fuse, {presence: {kind: 'builtin', evidence: 'file system fuse is in /proc/filesystems'}});
    t.like(m.vxlan, {presence: {kind: 'builtin', evidence: 'CONFIG_VXLAN=y in /proc/config.gz'}});
    t.is(m.ip_vs!.presence.kind, 'missing');
    t.regex((m.ip_vs!.presence as {why: string}).why, /6\.18\.44-fc-v782.*no loadable-module support/);
    t.is(m.floppy!.presence.kind, 'missing');
    t.deepEqual(calls, [['gzip', '-dc', '/proc/config.gz']], 'one process, only because nothing else could tell');
  }));

test('probe (microVM): a node without gzip or /proc/config.gz still plans, and never crashes', (t) =>
  withNode(
    'microvm',
    {},
    async ({host}) => {
      const observed = await probeModules({
        host,
        desired: desiredFrom({modules: {vxlan: {}, br_netfilter: {}}}),
        state: emptyState,
      });
      t.is(observed.modules.vxlan!.presence.kind, 'missing');
      t.is(observed.modules.br_netfilter!.presence.kind, 'builtin');
    },
    {noCommands: true},
  ));

test('probe: a node with no /proc at all (an empty root) is not an error', async (t) => {
  const root = await createFixtureRoot({});
  try {
    const observed = await probeModules({
      host: createHost({root: root.dir, runner: refuseCommands}),
      desired: desiredFrom({modules: {overlay: {}}}),
      state: emptyState,
    });
    t.is(observed.kernel, 'unknown');
    t.is(observed.modules.overlay!.presence.kind, 'missing');
  } finally {
    await root.cleanup();
  }
});

// ---------------------------------------------------------------------------------------------------------------
// Plan and apply

test('fresh Debian node: one apply loads, blocks and persists; the bridge sysctl comes after br_netfilter', (t) =>
  withNode('debian12', {}, async (n) => {
    const first = await plan(n.host, kubernetes);
    t.deepEqual(first.diagnostics, []);
    t.deepEqual(
      first.changes.map((c) => [c.address, c.action, c.disruption]),
      [
        ['module.br_netfilter', 'create', 'none'],
        ['module.floppy', 'create', 'none'],
        ['module.nf_conntrack', 'create', 'none'],
        ['module.overlay', 'create', 'none'],
        ['sysctl.net.bridge.bridge-nf-call-iptables', 'create', 'none'],
      ],
    );
    const sysctl = first.changes.find((c) => c.kind === 'sysctl')!;
    t.deepEqual(sysctl.dependsOn, ['module.br_netfilter']);
    t.true(
      first.changes
        .find((c) => c.address === 'module.nf_conntrack')!
        .details!.includes('live: load (modprobe nf_conntrack hashsize=131072)'),
    );
    t.true(
      first.changes
        .find((c) => c.address === 'module.floppy')!
        .details!.some((d) => d.startsWith('live: unload (rmmod floppy')),
    );

    await apply(n.host, kubernetes);
    t.deepEqual(n.calls, [
      ['modprobe', 'br_netfilter'],
      ['rmmod', 'floppy'],
      ['modprobe', 'nf_conntrack', 'hashsize=131072'],
      ['modprobe', 'overlay'],
    ]);
    const live = await loaded(n);
    for (const m of ['br_netfilter', 'bridge', 'stp', 'llc', 'overlay', 'nf_conntrack', 'nf_defrag_ipv4', 'libcrc32c'])
      t.true(live.has(m), `${m} loaded`);
    t.false(live.has('floppy'));
    t.is((await n.root.read('/sys/module/nf_conntrack/parameters/hashsize'))?.trim(), '131072');
    t.is((await n.root.read('/proc/sys/net/bridge/bridge-nf-call-iptables'))?.trim(), '1');
    t.is(
      await n.root.read('/etc/modules-load.d/cosi.conf'),
      '# Managed by cosi (https://cosi.dev). Do not edit: changes are overwritten on the next apply.\nbr_netfilter\nnf_conntrack\noverlay\n',
    );
    t.is(
      await n.root.read('/etc/modprobe.d/cosi.conf'),
      [
        '# Managed by cosi (https://cosi.dev). Do not edit: changes are overwritten on the next apply.',
        'install br_netfilter /sbin/modprobe --ignore-install br_netfilter $CMDLINE_OPTS && { /lib/systemd/systemd-sysctl --prefix=/net/bridge || :; }',
        'blacklist floppy',
        'install floppy /bin/false',
        'options nf_conntrack hashsize=131072',
        '',
      ].join('\n'),
    );
    const state = await loadState(n.host);
    t.deepEqual(state.resources['module.floppy']?.original, {loaded: true});
    t.deepEqual(state.resources['module.br_netfilter']?.original, {loaded: false});

    const again = await plan(n.host, kubernetes);
    t.deepEqual(again.changes, [], 'apply, probe again, plan again: no changes');
    t.deepEqual(again.bootNotes, []);
    const blocked = await fakeKmod(n.root.dir, [])({argv: ['modprobe', 'floppy']});
    t.is(blocked.exitCode, 1, 'nothing can load a blocked module, not even by name');
  }));

test('changed parameters: reload when unused, a reboot when in use, and the plan JSON says which', (t) =>
  withNode('debian12', {}, async (n) => {
    await apply(n.host, kubernetes);
    const changed = {...kubernetes, modules: {...kubernetes!.modules, nf_conntrack: {parameters: {hashsize: 262144}}}};
    const unused = await plan(n.host, changed);
    t.deepEqual(
      unused.changes.map((c) => [c.address, c.action, c.disruption]),
      [['module.nf_conntrack', 'update', 'none']],
    );
    t.regex(
      unused.changes[0]!.reason,
      /parameters differ \(hashsize "131072" -> "262144"\); it is unused, so it is reloaded/,
    );
    t.true(
      unused.changes[0]!.details!.some((d) =>
        d.startsWith('live: reload (rmmod nf_conntrack, then modprobe nf_conntrack hashsize=262144'),
      ),
    );
    t.deepEqual(unused.changes[0]!.before, {state: 'loaded', parameters: {hashsize: '131072'}});
    t.deepEqual(unused.changes[0]!.after, {state: 'loaded', parameters: {hashsize: '262144'}});

    // nf_nat now holds nf_conntrack: it cannot be reloaded.
    await fakeKmod(n.root.dir, [])({argv: ['modprobe', 'nf_nat']});
    const inUse = await plan(n.host, changed);
    t.deepEqual(
      inUse.changes.map((c) => [c.address, c.action, c.disruption]),
      [['module.nf_conntrack', 'update', 'reboot']],
    );
    t.regex(inUse.changes[0]!.reason, /in use \(refcount 1; used by nf_nat\)/);
    t.false(
      inUse.changes[0]!.details!.some((d) => d.startsWith('live:')),
      'no live operation is pretended',
    );
    n.calls.length = 0;
    await apply(n.host, changed);
    t.deepEqual(n.calls, [], 'nothing is run for a module in use');
    t.regex((await n.root.read('/etc/modprobe.d/cosi.conf'))!, /options nf_conntrack hashsize=262144/);
    const owed = await plan(n.host, changed);
    t.deepEqual(
      owed.changes.map((c) => [c.address, c.disruption]),
      [['module.nf_conntrack', 'reboot']],
      'the reboot stays owed until it happens',
    );

    // Unused again: the reload happens.
    await fakeKmod(n.root.dir, [])({argv: ['rmmod', 'nf_nat']});
    n.calls.length = 0;
    await apply(n.host, changed);
    t.deepEqual(n.calls, [
      ['rmmod', 'nf_conntrack'],
      ['modprobe', 'nf_conntrack', 'hashsize=262144'],
    ]);
    t.is((await n.root.read('/sys/module/nf_conntrack/parameters/hashsize'))?.trim(), '262144');
    t.deepEqual((await plan(n.host, changed)).changes, []);
  }));

test('blocking a module in use owes a reboot; an unused one is unloaded', (t) =>
  withNode('debian12', {}, async (n) => {
    const p = await plan(n.host, {modules: {x_tables: {state: 'blocked'}, pcspkr: {state: 'blocked'}}});
    t.deepEqual(
      p.changes.map((c) => [c.address, c.action, c.disruption]),
      [
        ['module.pcspkr', 'create', 'none'],
        ['module.x_tables', 'create', 'reboot'],
      ],
    );
    t.regex(p.changes[1]!.reason, /in use \(refcount 1; used by ip_tables\): it cannot be unloaded now/);
    await apply(n.host, {modules: {x_tables: {state: 'blocked'}, pcspkr: {state: 'blocked'}}});
    t.deepEqual(n.calls, [['rmmod', 'pcspkr']]);
    t.regex((await n.root.read('/etc/modprobe.d/cosi.conf'))!, /blacklist x_tables\ninstall x_tables \/bin\/false\n/);
  }));

test('`-` and `_` are one module: a dashed name plans the canonical address', (t) =>
  withNode('debian12', {}, async (n) => {
    const p = await plan(n.host, {modules: {'br-netfilter': {}}});
    t.deepEqual(
      p.changes.map((c) => c.address),
      ['module.br_netfilter'],
    );
    await apply(n.host, {modules: {'br-netfilter': {}}});
    t.deepEqual((await plan(n.host, {modules: {br_netfilter: {}}})).changes, []);
  }));

test('a module this kernel does not have is an error naming the kernel; blocking one is only a warning', (t) =>
  withNode('debian12', {}, async (n) => {
    const p = await plan(n.host, {modules: {nosuchmod: {}, 'vendor-driver': {state: 'blocked'}}});
    const errors = p.diagnostics.filter((d) => d.severity === 'error');
    t.is(errors.length, 1);
    t.regex(errors[0]!.summary, /module nosuchmod does not exist on this kernel \(6\.1\.0-56-amd64\)/);
    t.deepEqual(errors[0]!.path, ['spec', 'modules', 'nosuchmod']);
    const warnings = p.diagnostics.filter((d) => d.severity === 'warning');
    t.regex(
      warnings[0]!.summary,
      /vendor_driver does not exist on this kernel \(6\.1\.0-56-amd64\).*blacklisted all the same/,
    );
    t.deepEqual(
      p.changes.map((c) => [c.address, c.action]),
      [['module.vendor_driver', 'create']],
    );
  }));

test('an alias is loaded by its name and checked by the module it resolves to', (t) =>
  withNode('debian12', {'/proc/modules': 'nf_conntrack 16384 0 - Live 0x0000000000000000\n'}, async (n) => {
    const p = await plan(n.host, {modules: {ip_conntrack: {}}});
    t.deepEqual(p.diagnostics, []);
    t.deepEqual(
      p.changes.map((c) => [c.address, c.action, c.details]),
      [['module.ip_conntrack', 'create', ['/etc/modules-load.d/cosi.conf: + ip_conntrack']]],
      'loaded already: only persisted',
    );
  }));

test("a built-in module is a no-op; its parameters are the kernel command line's, never pretended", (t) =>
  withNode('microvm', {}, async (n) => {
    const ok = await plan(n.host, {
      modules: {br_netfilter: {}, overlay: {}, nf_conntrack: {parameters: {hashsize: 262144}}},
      sysctls: {'net.bridge.bridge-nf-call-iptables': 1},
    });
    t.deepEqual(ok.diagnostics, []);
    t.deepEqual(
      ok.changes.map((c) => [c.address, c.action]),
      [['sysctl.net.bridge.bridge-nf-call-iptables', 'create']],
    );
    t.deepEqual(
      ok.noops.filter((c) => c.kind === 'module').map((c) => c.reason.slice(0, 23)),
      ['built into the kernel (', 'built into the kernel (', 'built into the kernel ('],
    );
    await apply(n.host, {modules: {br_netfilter: {}, overlay: {}}, sysctls: {'net.bridge.bridge-nf-call-iptables': 1}});
    t.is(await n.root.read('/etc/modules-load.d/cosi.conf'), undefined, 'nothing to persist for built-in modules');
    t.is(await n.root.read('/etc/modprobe.d/cosi.conf'), undefined);
    t.deepEqual(
      n.calls.filter((c) => c[0] !== 'gzip'),
      [],
      'no modprobe on a kernel without modules',
    );

    const params = await plan(n.host, {modules: {nf_conntrack: {parameters: {hashsize: 131072}}}});
    t.is(params.diagnostics.length, 1);
    t.is(params.diagnostics[0]!.severity, 'warning', 'cosi cannot change it: said, not refused');
    t.regex(
      params.diagnostics[0]!.summary,
      /nf_conntrack is built into this kernel \(6\.18\.44-fc-v782.*cannot change at runtime.*hashsize is "262144", not "131072".*kernel command line — declare `kernel: \{args: \[nf_conntrack\.hashsize=131072\]\}` \(spec\.kernel\.args\)/,
    );
    // Declared as a kernel argument as the warning says: no warning, a boot note until the next boot.
    const declared = await plan(n.host, {
      modules: {nf_conntrack: {parameters: {hashsize: 131072}}},
      kernel: {args: ['nf_conntrack.hashsize=131072']},
    });
    t.deepEqual(declared.diagnostics, []);
    t.regex(
      declared.bootNotes.find((b) => b.address === 'module.nf_conntrack')!.message,
      /nf_conntrack\.hashsize=131072 comes from spec\.kernel\.args at the next boot; until then hashsize is "262144"/,
    );
    const blocked = await plan(n.host, {modules: {bridge: {state: 'blocked'}}});
    t.regex(blocked.diagnostics[0]!.summary, /bridge cannot be blocked: it is built into this kernel/);
    const missing = await plan(n.host, {modules: {ip_vs: {}}});
    t.is(missing.diagnostics[0]!.severity, 'warning', 'a kernel without module support is a normal node');
    t.regex(
      missing.diagnostics[0]!.summary,
      /ip_vs cannot be loaded here: this kernel \(6\.18\.44-fc-v782\) has no loadable-module support/,
    );
  }));

test('another modprobe.d file that overrides a parameter at boot is named; an earlier one is not', (t) =>
  withNode(
    'debian12',
    {
      '/etc/modprobe.d/zz-tuning.conf': '# tuned by hand\noptions nf_conntrack hashsize=65536\n',
      '/etc/modprobe.d/aa-old.conf': 'options nf_conntrack hashsize=1024\n',
    },
    async (n) => {
      const p = await plan(n.host, {modules: {nf_conntrack: {parameters: {hashsize: 131072}}}});
      t.deepEqual(
        p.bootNotes.map((b) => [b.address, b.file]),
        [['module.nf_conntrack', '/etc/modprobe.d/zz-tuning.conf']],
      );
      t.regex(
        p.bootNotes[0]!.message,
        /zz-tuning\.conf:2 sets hashsize=65536 after \/etc\/modprobe\.d\/cosi\.conf: nf_conntrack gets hashsize=65536 at boot, not 131072/,
      );
      t.true(
        p.changes[0]!.details!.some((d) => d.includes('/etc/modprobe.d/zz-tuning.conf:2')),
        'the change itself names the file too',
      );
    },
  ));

test('a blacklist, an install line or the command line elsewhere that defeats cosi at boot is named', (t) =>
  withNode(
    'debian12',
    {
      '/usr/lib/modprobe.d/k8s-blacklist.conf': 'blacklist br_netfilter\n',
      '/etc/modprobe.d/a-nfs.conf':
        'install overlay /bin/true\ninstall floppy /sbin/modprobe --ignore-install floppy\n',
      '/proc/cmdline': 'root=/dev/vda modprobe.blacklist=nf_conntrack\n',
    },
    async (n) => {
      const p = await plan(n.host, kubernetes);
      t.deepEqual(p.bootNotes.map((b) => `${b.address} ${b.file}`).sort(), [
        'module.br_netfilter /usr/lib/modprobe.d/k8s-blacklist.conf',
        'module.floppy /etc/modprobe.d/a-nfs.conf',
        'module.nf_conntrack /proc/cmdline',
        'module.overlay /etc/modprobe.d/a-nfs.conf',
      ]);
      t.regex(
        p.bootNotes.find((b) => b.address === 'module.br_netfilter')!.message,
        /k8s-blacklist\.conf:1 blacklists br_netfilter: systemd-modules-load skips blacklisted modules/,
      );
      t.regex(
        p.bootNotes.find((b) => b.address === 'module.overlay')!.message,
        /a-nfs\.conf:1 has `install overlay \/bin\/true`, which kmod runs instead of loading overlay/,
      );
      t.regex(
        p.bootNotes.find((b) => b.address === 'module.nf_conntrack')!.message,
        /the kernel command line \(\/proc\/cmdline\) blacklists nf_conntrack/,
      );
      t.regex(
        p.bootNotes.find((b) => b.address === 'module.floppy')!.message,
        /instead of cosi's `install floppy \/bin\/false`/,
      );
    },
  ));

test('parameter problems: unsafe values are errors; a parameter the module does not have is a warning', (t) =>
  withNode('debian12', {}, async (n) => {
    const bad = await plan(n.host, {modules: {floppy: {parameters: {floppy: 'a"b'}}}});
    t.regex(bad.diagnostics[0]!.summary, /parameter floppy = "a\\"b" cannot be used: it contains a double quote/);
    t.deepEqual(bad.diagnostics[0]!.path, ['spec', 'modules', 'floppy', 'parameters', 'floppy']);
    const unknown = await plan(n.host, {modules: {floppy: {parameters: {hashsiez: 1}}}});
    t.is(unknown.diagnostics[0]!.severity, 'warning');
    t.regex(
      unknown.diagnostics[0]!.summary,
      /floppy has no parameter hashsiez under \/sys\/module\/floppy\/parameters \(it has floppy\)/,
    );
  }));

test('removal restores what cosi found: loaded ones reloaded, ones cosi loaded unloaded, lines removed', (t) =>
  withNode('debian12', {}, async (n) => {
    await apply(n.host, {modules: kubernetes!.modules});
    const removal = await plan(n.host, {});
    t.deepEqual(
      removal.changes.map((c) => [c.address, c.action, c.after]),
      [
        ['module.br_netfilter', 'delete', {state: 'unloaded'}],
        ['module.floppy', 'delete', {state: 'loaded'}],
        ['module.nf_conntrack', 'delete', {state: 'unloaded'}],
        ['module.overlay', 'delete', {state: 'unloaded'}],
      ],
    );
    n.calls.length = 0;
    await apply(n.host, {});
    t.deepEqual(n.calls, [
      ['rmmod', 'br_netfilter'],
      ['modprobe', 'floppy'],
      ['rmmod', 'nf_conntrack'],
      ['rmmod', 'overlay'],
    ]);
    const live = await loaded(n);
    t.true(live.has('floppy'));
    t.false(live.has('br_netfilter') || live.has('nf_conntrack') || live.has('overlay'));
    t.is(await n.root.read('/etc/modules-load.d/cosi.conf'), undefined);
    t.is(await n.root.read('/etc/modprobe.d/cosi.conf'), undefined);
    t.deepEqual((await loadState(n.host)).resources, {});
    t.deepEqual((await plan(n.host, {})).changes, []);
  }));

test('removing a module cosi loaded that is now in use owes a reboot instead of failing', (t) =>
  withNode('debian12', {}, async (n) => {
    await apply(n.host, {modules: {nf_conntrack: {}}});
    await fakeKmod(n.root.dir, [])({argv: ['modprobe', 'nf_nat']});
    const removal = await plan(n.host, {});
    t.deepEqual(
      removal.changes.map((c) => [c.address, c.action, c.disruption]),
      [['module.nf_conntrack', 'delete', 'reboot']],
    );
    await apply(n.host, {});
    t.true((await loaded(n)).has('nf_conntrack'));
    t.is(await n.root.read('/etc/modules-load.d/cosi.conf'), undefined);
  }));

test('apply is idempotent: the same changes twice run and write nothing the second time', (t) =>
  withNode('debian12', {}, async (n) => {
    const planned = await plan(n.host, kubernetes);
    const state = await loadState(n.host);
    const first = await applyChanges({host: n.host, changes: planned.changes, state, providers});
    t.is(first.failed, undefined);
    const files = [await n.root.read('/etc/modules-load.d/cosi.conf'), await n.root.read('/etc/modprobe.d/cosi.conf')];
    n.calls.length = 0;
    const second = await applyChanges({
      host: n.host,
      changes: planned.changes.filter((c) => c.kind === 'module'),
      state: first.state,
      providers,
    });
    t.is(second.failed, undefined);
    t.deepEqual(n.calls, []);
    t.deepEqual(
      [await n.root.read('/etc/modules-load.d/cosi.conf'), await n.root.read('/etc/modprobe.d/cosi.conf')],
      files,
    );
  }));

// ---------------------------------------------------------------------------------------------------------------
// Facts

test("facts (Debian 12): loaded modules with parameters and use, built-in ones, cosi's files", (t) =>
  withNode(
    'debian12',
    {'/etc/modprobe.d/cosi.conf': '# Managed by cosi\nblacklist floppy\ninstall floppy /bin/false\n'},
    async ({host}) => {
      const facts = (await moduleProvider.facts!({host})) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- facts are free-form JSON
      t.is(facts.kernel, debianKernel);
      t.true(facts.loadableModules);
      t.deepEqual(facts.loaded.floppy, {inUse: false, refcount: 0, holders: [], parameters: {floppy: '(null)'}});
      t.deepEqual(facts.loaded.x_tables, {inUse: true, refcount: 1, holders: ['ip_tables'], parameters: {}});
      t.deepEqual(facts.builtin, ['binfmt_script', 'exportfs', 'ipv6', 'unix', 'virtio_mmio', 'zswap']);
      t.deepEqual(facts.persisted['/etc/modprobe.d/cosi.conf'], ['blacklist floppy', 'install floppy /bin/false']);
    },
  ));

test('facts (microVM): no loadable modules; built-in ones from /sys/module, sysctls and file systems, with parameters', (t) =>
  withNode('microvm', {}, async ({host}) => {
    const facts = (await moduleProvider.facts!({host})) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- facts are free-form JSON
    t.false(facts.loadableModules);
    t.deepEqual(facts.loaded, {});
    t.deepEqual(facts.builtin, ['br_netfilter', 'bridge', 'ext4', 'fuse', 'nf_conntrack', 'overlay', 'virtio_net']);
    t.deepEqual(facts.builtinParameters.nf_conntrack, {acct: 'N', expect_hashsize: '1024', hashsize: '262144'});
  }));

// ---------------------------------------------------------------------------------------------------------------
// Conformance: the fake kmod stands in for modprobe and rmmod (the suite's own host refuses every command).

const withFakeKmod = defineProvider({
  ...moduleProvider,
  apply: (request) => moduleProvider.apply({...request, host: {...request.host, run: fakeKmod(request.host.root, [])}}),
});

conformance(test, {
  name: 'module',
  provider: withFakeKmod,
  files: fixtureTree('debian12').files,
  spec: {modules: {br_netfilter: {}, nf_conntrack: {parameters: {hashsize: 131072}}, floppy: {state: 'blocked'}}},
  outsideChange: async (root) => {
    const result = await fakeKmod(root.dir, [])({argv: ['rmmod', 'br_netfilter']});
    if (result.exitCode !== 0) throw new Error(result.stderr);
  },
  driftedAddress: 'module.br_netfilter',
  documentChange: {
    spec: {modules: {br_netfilter: {}, nf_conntrack: {parameters: {hashsize: 65536}}, floppy: {state: 'blocked'}}},
    address: 'module.nf_conntrack',
  },
  removedSpec: {},
  async assertRestored(root) {
    const live = parseProcModules((await root.read('/proc/modules')) ?? '');
    if (!live.has('floppy')) throw new Error('floppy, loaded when cosi found it, is not loaded again');
    if (live.has('br_netfilter') || live.has('nf_conntrack')) throw new Error('modules cosi loaded are still loaded');
    if ((await root.read('/etc/modules-load.d/cosi.conf')) !== undefined)
      throw new Error("cosi's modules-load.d file is still there");
    if ((await root.read('/etc/modprobe.d/cosi.conf')) !== undefined)
      throw new Error("cosi's modprobe.d file is still there");
  },
});

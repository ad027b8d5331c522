// The initramfs rebuild of the module provider (module.initramfs) on fixture roots of a Debian 12 node: which tool
// (update-initramfs with /etc/initramfs-tools, dracut, none), when the step is planned (cosi's modprobe.d lines
// change; for dracut also its modules-load.d list), after which changes and with which disruption, that it runs once
// per apply inside the root and is recorded so that a second plan is empty, what a failed rebuild or a damaged record
// leads to, hostile file names under /boot, the reserved module name, and built-in modules as conditions. A fake
// runner stands in for kmod and the tools: it keeps /proc/modules and "builds" an image by copying cosi's files.
import test from 'ava';
import {lstatSync, readdirSync, readFileSync, readlinkSync, symlinkSync, mkdirSync} from 'node:fs';
import {readFile, writeFile} from 'node:fs/promises';
import {dirname, join} from 'node:path';
import {checkRules} from '../../src/config/check-rules.js';
import {documentChecks} from '../../src/resources/registry.js';
import type {NodeConfig} from '../../src/config/generated/types.js';
import type {Provider} from '../../src/engine/provider.js';
import {loadState, saveState} from '../../src/engine/state.js';
import type {CommandRequest, CommandResult} from '../../src/host/command.js';
import {createHost, type Host} from '../../src/host/host.js';
import type {Plan} from '../../src/plan/plan.js';
import {moduleProvider} from '../../src/resources/module/provider.js';
import {sysctlProvider} from '../../src/resources/sysctl/provider.js';
import {createFixtureRoot, type FixtureRoot} from '../lib/fixture-root.js';
import {providerRun} from '../lib/provider-run.js';

const repo = new URL('../../../', import.meta.url).pathname;
const kernel = '6.1.0-56-amd64';

const initramfsTools = {
  '/usr/sbin/update-initramfs': '#!/bin/sh\n',
  '/etc/initramfs-tools/initramfs.conf': 'MODULES=most\n',
  [`/boot/initrd.img-${kernel}`]: 'image\n',
};
const dracut = {'/usr/bin/dracut': '#!/bin/bash\n', [`/boot/initramfs-${kernel}.img`]: 'image\n'};

interface Node {
  readonly root: FixtureRoot;
  readonly host: Host;
  readonly calls: string[][];
}

/** builtImage is where the fake tools put what the "image" was built from: cosi's two files at the time. */
const builtImage = '/boot/built-from';

/**
 * fakeTools runs rmmod and modprobe against the fixture's /proc/modules (no dependencies, no options), and
 * update-initramfs and dracut by copying cosi's files into {@link builtImage}; `/fail-rebuild` makes them fail.
 */
function fakeTools(dir: string, calls: string[][]): (request: CommandRequest) => Promise<CommandResult> {
  const result = (exitCode: number, stderr = ''): CommandResult => ({
    exitCode,
    timedOut: false,
    stdout: '',
    stderr,
    started: true,
  });
  const file = (p: string) => join(dir, p);
  const read = (p: string) => readFile(file(p), 'utf8').catch(() => '');
  return async ({argv}) => {
    calls.push([...argv]);
    const [command, name] = argv;
    if (command === 'rmmod' || command === 'modprobe') {
      const lines = (await read('proc/modules')).split('\n').filter((l) => l !== '' && !l.startsWith(`${name} `));
      if (command === 'modprobe') lines.push(`${name} 16384 0 - Live 0x0000000000000000`);
      await writeFile(file('proc/modules'), lines.map((l) => `${l}\n`).join(''));
      return result(0);
    }
    if (command === 'update-initramfs' || command === 'dracut') {
      if ((await read('fail-rebuild')) !== '') return result(1, `${command}: failure simulated`);
      const built = `${await read('etc/modprobe.d/cosi.conf')}--\n${await read('etc/modules-load.d/cosi.conf')}`;
      await writeFile(file(builtImage.slice(1)), built);
      return result(0);
    }
    return {...result(127, `${command}: not simulated`), started: false};
  };
}

async function node(extra: Record<string, string>): Promise<Node> {
  const base = join(repo, 'fixtures/modules/debian12');
  const files: Record<string, string> = {};
  const links: Record<string, string> = {};
  const walk = (d: string) => {
    for (const entry of readdirSync(join(base, d))) {
      const nodePath = `${d}/${entry}`;
      const stats = lstatSync(join(base, nodePath));
      if (stats.isSymbolicLink()) links[nodePath] = readlinkSync(join(base, nodePath));
      else if (stats.isDirectory()) walk(nodePath);
      else files[nodePath] = readFileSync(join(base, nodePath), 'latin1');
    }
  };
  walk('');
  const root = await createFixtureRoot({...files, ...extra});
  for (const [path, target] of Object.entries(links)) {
    mkdirSync(dirname(join(root.dir, path)), {recursive: true});
    symlinkSync(target, join(root.dir, path));
  }
  const calls: string[][] = [];
  return {root, host: createHost({root: root.dir, runner: fakeTools(root.dir, calls)}), calls};
}

async function withNode(extra: Record<string, string>, body: (n: Node) => Promise<void>): Promise<void> {
  const n = await node(extra);
  try {
    await body(n);
  } finally {
    await n.root.cleanup();
  }
}

const providers: Provider[] = [moduleProvider as Provider, sysctlProvider as Provider];

const {plan, applyPlan} = providerRun(providers);

async function apply(host: Host, spec: NodeConfig['spec']): Promise<{plan: Plan; failed?: string}> {
  const planned = await plan(host, spec);
  const result = await applyPlan(host, planned);
  return {
    plan: planned,
    ...(result.failed ? {failed: `${result.failed.change.address}: ${result.failed.message}`} : {}),
  };
}

const rows = (p: Plan) => p.changes.map((c) => [c.address, c.action, c.disruption]);
const rebuilds = (n: Node) => n.calls.filter((c) => c[0] === 'update-initramfs' || c[0] === 'dracut');

const blockFloppy: NodeConfig['spec'] = {modules: {floppy: {state: 'blocked'}, overlay: {}}};

test('update-initramfs: blocking a module plans one rebuild after the module changes, run once, recorded; a second plan is empty', (t) =>
  withNode(initramfsTools, async (n) => {
    const first = await plan(n.host, blockFloppy);
    t.deepEqual(first.diagnostics, []);
    t.deepEqual(rows(first), [
      ['module.floppy', 'create', 'none'],
      ['module.overlay', 'create', 'none'],
      ['module.initramfs', 'create', 'none'],
    ]);
    const rebuild = first.changes.find((c) => c.address === 'module.initramfs')!;
    t.deepEqual(rebuild.dependsOn, ['module.floppy', 'module.overlay'], 'after every module change');
    t.deepEqual(rebuild.details, [
      '+ /etc/modprobe.d/cosi.conf: blacklist floppy',
      '+ /etc/modprobe.d/cosi.conf: install floppy /bin/false',
      `run: update-initramfs -u -k all (/boot/initrd.img-${kernel})`,
    ]);
    t.regex(rebuild.reason, /holds its own copy of \/etc\/modprobe\.d, and its udev loads modules before/);
    t.deepEqual(rebuild.after, {
      tool: 'update-initramfs',
      images: [`/boot/initrd.img-${kernel}`],
      lines: ['/etc/modprobe.d/cosi.conf: blacklist floppy', '/etc/modprobe.d/cosi.conf: install floppy /bin/false'],
    });

    const done = await apply(n.host, blockFloppy);
    t.is(done.failed, undefined);
    t.deepEqual(n.calls, [
      ['rmmod', 'floppy'],
      ['modprobe', 'overlay'],
      ['update-initramfs', '-u', '-k', 'all'],
    ]);
    t.regex(
      (await n.root.read(builtImage))!,
      /^blacklist floppy\ninstall floppy \/bin\/false\n--\n/m,
      'built after cosi.conf was written',
    );
    t.deepEqual((await loadState(n.host)).resources['module.initramfs']?.applied, {
      tool: 'update-initramfs',
      modprobe: {floppy: ['blacklist floppy', 'install floppy /bin/false']},
      load: ['overlay'],
    });

    n.calls.length = 0;
    const again = await plan(n.host, blockFloppy);
    t.deepEqual(again.changes, [], 'a second plan is empty');
    t.is(again.noops.find((c) => c.address === 'module.initramfs')?.action, 'noop');
    t.is((await apply(n.host, blockFloppy)).failed, undefined);
    t.deepEqual(n.calls, [], 'and a second apply runs nothing');
  }));

test('update-initramfs: a module only loaded (no options) needs no rebuild; options do; dracut also carries modules-load.d', async (t) => {
  await withNode(initramfsTools, async (n) => {
    t.deepEqual(rows(await plan(n.host, {modules: {overlay: {}}})), [['module.overlay', 'create', 'none']]);
    t.true(
      (await plan(n.host, {modules: {nf_conntrack: {parameters: {hashsize: 131072}}}})).changes.some(
        (c) => c.address === 'module.initramfs',
      ),
    );
  });
  await withNode(dracut, async (n) => {
    const p = await plan(n.host, {modules: {overlay: {}}});
    t.deepEqual(rows(p), [
      ['module.overlay', 'create', 'none'],
      ['module.initramfs', 'create', 'none'],
    ]);
    const rebuild = p.changes.find((c) => c.address === 'module.initramfs')!;
    t.deepEqual(rebuild.details, [
      '+ /etc/modules-load.d/cosi.conf: overlay',
      `run: dracut -f --regenerate-all (/boot/initramfs-${kernel}.img)`,
    ]);
    t.is((await apply(n.host, {modules: {overlay: {}}})).failed, undefined);
    t.deepEqual(rebuilds(n), [['dracut', '-f', '--regenerate-all']]);
    t.deepEqual((await plan(n.host, {modules: {overlay: {}}})).changes, []);
  });
});

test('disruption: reboot when a module change it follows cannot reach the running kernel (a blocked module in use)', (t) =>
  withNode(initramfsTools, async (n) => {
    const p = await plan(n.host, {modules: {x_tables: {state: 'blocked'}}});
    t.deepEqual(rows(p), [
      ['module.x_tables', 'create', 'reboot'],
      ['module.initramfs', 'create', 'reboot'],
    ]);
    t.regex(p.changes[1]!.reason, /the running kernel catches up only at the next boot \(module\.x_tables\)/);
  }));

test('changes and removal: new lines rebuild again (update); removing every line rebuilds once more and forgets the record', (t) =>
  withNode(initramfsTools, async (n) => {
    t.is((await apply(n.host, blockFloppy)).failed, undefined);
    const more: NodeConfig['spec'] = {modules: {...blockFloppy!.modules, pcspkr: {state: 'blocked'}}};
    const p = await plan(n.host, more);
    t.deepEqual(rows(p), [
      ['module.pcspkr', 'create', 'none'],
      ['module.initramfs', 'update', 'none'],
    ]);
    t.deepEqual(p.changes[1]!.details!.slice(0, 2), [
      '+ /etc/modprobe.d/cosi.conf: blacklist pcspkr',
      '+ /etc/modprobe.d/cosi.conf: install pcspkr /bin/false',
    ]);
    t.regex(p.changes[1]!.reason, /cosi's lines changed since it last rebuilt it \(module\.pcspkr\)/);
    t.is((await apply(n.host, more)).failed, undefined);

    const removal = await plan(n.host, {});
    t.deepEqual(rows(removal), [
      ['module.floppy', 'delete', 'none'],
      ['module.overlay', 'delete', 'none'],
      ['module.pcspkr', 'delete', 'none'],
      ['module.initramfs', 'delete', 'none'],
    ]);
    t.is((await apply(n.host, {})).failed, undefined);
    t.is((await n.root.read(builtImage))!, '--\n', 'the last image holds none of cosi lines');
    t.false('module.initramfs' in (await loadState(n.host)).resources, 'the record is forgotten');
    t.deepEqual((await plan(n.host, {})).changes, []);
    t.is(rebuilds(n).length, 3, 'one rebuild per apply');
  }));

test('a failed rebuild fails the apply at module.initramfs; the next plan plans it again (and only it)', (t) =>
  withNode({...initramfsTools, '/fail-rebuild': 'yes\n'}, async (n) => {
    const first = await apply(n.host, blockFloppy);
    t.regex(
      first.failed!,
      /^module\.initramfs: `update-initramfs -u -k all` exited with code 1:\nupdate-initramfs: failure simulated/,
    );
    const next = await plan(n.host, blockFloppy);
    t.deepEqual(rows(next), [['module.initramfs', 'create', 'none']]);
    t.regex(next.changes[0]!.reason, /cosi has not rebuilt it since it wrote its lines/);
    await n.root.write('/fail-rebuild', '');
    t.is((await apply(n.host, blockFloppy)).failed, undefined);
    t.deepEqual((await plan(n.host, blockFloppy)).changes, []);
  }));

test("a damaged record of the rebuild (cosi's state is an input) plans the rebuild again, never a crash", (t) =>
  withNode(initramfsTools, async (n) => {
    t.is((await apply(n.host, blockFloppy)).failed, undefined);
    const state = await loadState(n.host);
    for (const applied of [
      {tool: 'mkinitcpio', modprobe: {}, load: []},
      {tool: 'dracut', modprobe: {floppy: 'x'}, load: []},
      'text',
      null,
    ]) {
      const record = {...state.resources['module.initramfs']!, applied};
      await saveState(n.host, {...state, resources: {...state.resources, 'module.initramfs': record}});
      const p = await plan(n.host, blockFloppy);
      t.deepEqual(rows(p), [['module.initramfs', 'update', 'none']], JSON.stringify(applied));
      t.regex(p.changes[0]!.reason, /cosi's record of the last rebuild is not readable/);
    }
  }));

test('no tool, or a tool without an image: no step, and facts say why', async (t) => {
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['nothing', {}, /no initramfs tool found/],
    // update-initramfs without /etc/initramfs-tools is not initramfs-tools.
    [
      'no /etc/initramfs-tools',
      {'/usr/sbin/update-initramfs': '#!/bin/sh\n', [`/boot/initrd.img-${kernel}`]: 'x'},
      /no initramfs tool found/,
    ],
    [
      'no image',
      {'/usr/sbin/update-initramfs': '#!/bin/sh\n', '/etc/initramfs-tools/initramfs.conf': ''},
      /update-initramfs is installed but \/boot holds no initramfs image/,
    ],
  ];
  for (const [name, files, note] of cases) {
    await withNode(files, async (n) => {
      t.deepEqual(
        rows(await plan(n.host, blockFloppy)),
        [
          ['module.floppy', 'create', 'none'],
          ['module.overlay', 'create', 'none'],
        ],
        name,
      );
      const facts = (await moduleProvider.facts!({host: n.host})) as {
        initramfs: {tool: unknown; rebuild: unknown; note: string};
      };
      t.regex(facts.initramfs.note, note, name);
      t.is(facts.initramfs.rebuild, null);
    });
  }
});

test('hostile file names under /boot are never shown, and never reach the command line', (t) =>
  withNode(
    {
      ...initramfsTools,
      '/boot/initrd.img-$(reboot)': 'x',
      '/boot/initrd.img--rf': 'x',
      '/boot/initrd.img-6.1.0-56-amd64\nrm': 'x',
      '/boot/initrd.img-6.1.0-1-amd64.bak': 'x',
      '/boot/initrd.img-6.1.0-55-amd64': 'x',
    },
    async (n) => {
      const facts = (await moduleProvider.facts!({host: n.host})) as {initramfs: {images: string[]; rebuild: string}};
      t.deepEqual(facts.initramfs.images, ['/boot/initrd.img-6.1.0-55-amd64', `/boot/initrd.img-${kernel}`]);
      t.is(facts.initramfs.rebuild, 'update-initramfs -u -k all');
      t.is((await apply(n.host, blockFloppy)).failed, undefined);
      t.deepEqual(rebuilds(n), [['update-initramfs', '-u', '-k', 'all']]);
    },
  ));

test('the module name initramfs is reserved: module.initramfs is the rebuild', (t) => {
  const config = {
    apiVersion: 'cosi.dev/v1alpha1',
    kind: 'NodeConfig',
    metadata: {name: 'x'},
    spec: {modules: {initramfs: {}}},
  } as NodeConfig;
  const found = checkRules(config, documentChecks);
  t.is(found.length, 1);
  t.deepEqual(found[0]!.path, ['spec', 'modules', 'initramfs']);
  t.regex(found[0]!.summary, /no kernel module is named initramfs: cosi keeps the address module\.initramfs/);
});

test('a declared module built into the running kernel is a condition in the plan (text and JSON), not silently nothing', (t) =>
  withNode(initramfsTools, async (n) => {
    const p = await plan(n.host, {modules: {ipv6: {}, overlay: {}}});
    t.deepEqual(rows(p), [['module.overlay', 'create', 'none']]);
    t.deepEqual(
      p.conditions.map((c) => [c.address, c.kind, c.type]),
      [['module.ipv6', 'module', 'module-built-in']],
    );
    t.regex(
      p.conditions[0]!.message,
      /^built into the running kernel \(listed in \/lib\/modules\/6\.1\.0-56-amd64\/modules\.builtin\): always loaded/,
    );
  }));

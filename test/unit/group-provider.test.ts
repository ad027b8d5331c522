import {readFile, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import test from 'ava';
import type {NodeConfig} from '../../src/config/generated/types.js';
import {loadDocument} from '../../src/resources/document.js';
import {applyChanges} from '../../src/engine/apply-changes.js';
import {makePlan} from '../../src/engine/make-plan.js';
import type {Provider} from '../../src/engine/provider.js';
import {emptyState, loadState} from '../../src/engine/state.js';
import type {CommandRunner} from '../../src/host/command.js';
import {createHost, type Host} from '../../src/host/host.js';
import {
  parseGroupFile,
  parseGshadowFile,
  parseLoginDefs,
  parsePasswdFile,
} from '../../src/resources/group/group-files.js';
import {plannedGids} from '../../src/resources/group/planned-gids.js';
import {createGroupProvider} from '../../src/resources/group/provider.js';
import {readGroupDatabase} from '../../src/resources/group/probe.js';
import {documentSections} from '../../src/resources/registry.js';
import {runtimeProvider} from '../../src/resources/runtime/provider.js';
import {conformance} from '../lib/conformance.js';
import {desiredFrom} from '../lib/document.js';
import {createFixtureRoot, type FixtureRoot} from '../lib/fixture-root.js';

// A simulated groupadd, gpasswd and groupdel over a fixture root's /etc/group and /etc/gshadow (the real tools run
// in test/e2e/group-debian-root.test.ts and the VM); every call is logged.
const calls = new Map<string, string[]>();

function fakeShadowTools(dir: string): CommandRunner {
  const fail = (stderr: string) => ({exitCode: 1, timedOut: false, stdout: '', stderr, started: true});
  return async ({argv}) => {
    calls.set(dir, [...(calls.get(dir) ?? []), argv.join(' ')]);
    const read = async (file: string) =>
      (await readFile(join(dir, file), 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(':'));
    const write = (file: string, rows: string[][]) =>
      writeFile(join(dir, file), rows.map((r) => r.join(':') + '\n').join(''));
    const [group, gshadow] = [await read('/etc/group'), await read('/etc/gshadow')];
    const name = argv.at(-1)!;
    const find = (rows: string[][]) => rows.find((r) => r[0] === name);
    const edit = (rows: string[][], at: number, user: string, add: boolean) => {
      const row = find(rows)!;
      const members = row[at]!.split(',')
        .filter(Boolean)
        .filter((m) => m !== user);
      row[at] = (add ? [...members, user] : members).join(',');
    };
    if (argv[0] === 'groupadd' && argv[1] === '-g' && argv[3] === '--') {
      if (find(group)) return fail(`groupadd: group '${name}' already exists`);
      if (group.some((r) => r[2] === argv[2])) return fail(`groupadd: GID '${argv[2]}' already exists`);
      group.push([name, 'x', argv[2]!, '']);
      gshadow.push([name, '!', '', '']);
    } else if (argv[0] === 'gpasswd' && (argv[1] === '-a' || argv[1] === '-d') && argv[3] === '--') {
      if (!find(group)) return fail(`gpasswd: group '${name}' does not exist in /etc/group`);
      edit(group, 3, argv[2]!, argv[1] === '-a');
      edit(gshadow, 3, argv[2]!, argv[1] === '-a');
    } else if (argv[0] === 'groupdel' && argv[1] === '--') {
      group.splice(group.indexOf(find(group)!), 1);
      gshadow.splice(gshadow.indexOf(find(gshadow)!), 1);
    } else return fail(`fake: ${argv.join(' ')}`);
    await write('/etc/group', group);
    await write('/etc/gshadow', gshadow);
    return {exitCode: 0, timedOut: false, stdout: '', stderr: '', started: true};
  };
}

const provider = createGroupProvider({runner: (host) => fakeShadowTools(host.root)});
const groupText = 'root:x:0:\nusers:x:100:\nstaff:x:50:carol\nsystemd-journal:x:999:\n';
const files = {
  '/etc/group': groupText,
  '/etc/gshadow': 'root:*::\nusers:*::\nstaff:*::carol\nsystemd-journal:!*::\n',
  '/etc/passwd':
    'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\nbob:x:1001:1001::/home/bob:/bin/sh\ncarol:x:1002:100::/home/carol:/bin/sh\n',
  '/etc/login.defs': '#SYS_GID_MIN 100\n#SYS_GID_MAX 999\nGID_MIN 1000\n',
};

conformance(test, {
  name: 'group',
  provider,
  files,
  spec: {groups: {'cri-users': {members: ['alice']}, staff: {members: ['bob']}}},
  outsideChange: (root) =>
    root.read('/etc/group').then((text) => root.write('/etc/group', text!.replace(/^(cri-users:x:\d+:)alice$/m, '$1'))),
  driftedAddress: 'group.cri-users',
  documentChange: {
    spec: {groups: {'cri-users': {members: ['alice', 'bob']}, staff: {members: ['bob']}}},
    address: 'group.cri-users',
  },
  removedSpec: {},
  async assertRestored(root) {
    const text = await root.read('/etc/group');
    if (text !== groupText) throw new Error(`/etc/group not restored:\n${text}`);
  },
});

async function withRoot(
  extra: Record<string, string>,
  body: (root: FixtureRoot, host: Host) => Promise<void>,
): Promise<void> {
  const root = await createFixtureRoot({...files, ...extra});
  try {
    await body(
      root,
      createHost({
        root: root.dir,
        runner: async () => ({
          exitCode: 0,
          timedOut: false,
          stdout: 'containerd github.com/containerd/containerd 1.6.20~ds1 x\n',
          stderr: '',
          started: true,
        }),
      }),
    );
  } finally {
    await root.cleanup();
  }
}

async function plan(host: Host, spec: NodeConfig['spec'], providers: readonly Provider[] = [provider as Provider]) {
  return makePlan({
    host,
    desired: desiredFrom(spec),
    state: await loadState(host),
    providers,
    sections: documentSections,
  });
}

test('the group files are parsed as input: damaged, NIS and unsafe lines are skipped; gshadow members are names', (t) => {
  t.deepEqual(
    parseGroupFile('root:x:0:\n+:::\n# comment\nbad:x:abc:\n-evil:x:5:\nstaff:x:50:carol, dave ,-x\nshort:x:7\n'),
    [
      {name: 'root', gid: 0, members: [], line: 1},
      {name: 'staff', gid: 50, members: ['carol', 'dave'], line: 6},
    ],
  );
  t.deepEqual([...parseGshadowFile('staff:*:admin:carol,dave\nbroken\n')], [['staff', ['carol', 'dave']]]);
  t.deepEqual(parsePasswdFile('alice:x:1000:1000::/home/alice:/bin/sh\nbad:x:1:\n'), [{name: 'alice', gid: 1000}]);
});

test("login.defs gives the system gid range; shadow's defaults otherwise", (t) => {
  t.deepEqual(parseLoginDefs(''), {min: 101, max: 999});
  t.deepEqual(parseLoginDefs('#SYS_GID_MIN 100\nGID_MIN  500\n'), {min: 101, max: 499});
  t.deepEqual(parseLoginDefs('SYS_GID_MIN 200\nSYS_GID_MAX 299\n'), {min: 200, max: 299});
});

test('a member listed in /etc/group but not in its /etc/gshadow line is not a member yet', (t) =>
  withRoot({'/etc/group': 'staff:x:50:carol,bob\n', '/etc/gshadow': 'staff:*::carol\n'}, async (_root, host) => {
    t.deepEqual((await readGroupDatabase(host)).groups, {staff: {gid: 50, members: ['carol'], line: 1}});
  }));

test('plannedGids: existing keep theirs, declared ones are taken, new ones get the highest free system gid', (t) => {
  const observed = {
    groups: {users: {gid: 100, members: [], line: 1}, journal: {gid: 999, members: [], line: 2}},
    users: {alice: {gid: 998}},
    range: {min: 101, max: 999},
  };
  const gids = plannedGids({users: {}, b: {}, a: {gid: 997}, c: {}}, observed, emptyState);
  t.deepEqual(
    [...gids],
    [
      ['a', 997],
      ['users', 100],
      ['b', 996],
      ['c', 995],
    ],
  );
  const recorded = {
    version: 1 as const,
    resources: {'group.b': {original: {exists: false}, applied: {gid: 500, members: []}, since: '', updated: ''}},
  };
  t.is(plannedGids({b: {}}, observed, recorded).get('b'), 500, 'a group cosi created and lost gets its gid again');
  t.is(
    plannedGids({b: {}}, {...observed, range: {min: 998, max: 999}}, emptyState).get('b'),
    undefined,
    'a full range',
  );
});

test('a gid another group has is a plan error naming it; an existing group is never renumbered; members must exist', (t) =>
  withRoot({}, async (_root, host) => {
    const planned = await plan(host, {
      groups: {'cri-users': {gid: 100, members: ['alice', 'mallory']}, staff: {gid: 51}},
    });
    t.deepEqual(planned.changes, []);
    t.deepEqual(
      planned.diagnostics.map((d) => [d.summary, d.path]),
      [
        [
          'user mallory does not exist on this node: it cannot be a member of group cri-users',
          ['spec', 'groups', 'cri-users', 'members', 1],
        ],
        ['gid 100 of group cri-users is taken by group users', ['spec', 'groups', 'cri-users', 'gid']],
        ['group staff exists with gid 50, the document says 51', ['spec', 'groups', 'staff', 'gid']],
      ],
    );
    t.regex(planned.diagnostics[1]!.detail!, /\/etc\/group line 2 gives 100 to users/);
  }));

test('the gid clash is located at its line in the document', async (t) => {
  const text =
    'apiVersion: cosi.dev/v1alpha1\nkind: NodeConfig\nmetadata: {name: n}\nspec:\n  groups:\n    a: {gid: 1500}\n    b:\n      gid: 1500\n';
  const {diagnostics} = await loadDocument({file: 'node.yaml', text});
  t.deepEqual(
    diagnostics.map((d) => [d.summary, d.source?.line]),
    [['gid 1500 of group b is also declared for group a', 8]],
  );
});

test('group names follow the POSIX rule and member names are safe, checked by the schema', async (t) => {
  for (const bad of ['-x', 'a/b', 'Upper', '..', 'a'.repeat(33), 'tab\tname']) {
    const text = `apiVersion: cosi.dev/v1alpha1\nkind: NodeConfig\nmetadata: {name: n}\nspec:\n  groups:\n    ${JSON.stringify(bad)}: {}\n`;
    const {diagnostics} = await loadDocument({file: 'node.yaml', text});
    t.true(
      diagnostics.length > 0 && diagnostics[0]!.source?.line === 6,
      `${JSON.stringify(bad)} is rejected at its line: ${JSON.stringify(diagnostics)}`,
    );
  }
  for (const bad of ['-r', 'a/b', 'x..y', '.hidden']) {
    const text = `apiVersion: cosi.dev/v1alpha1\nkind: NodeConfig\nmetadata: {name: n}\nspec:\n  groups:\n    ok:\n      members: [${JSON.stringify(bad)}]\n`;
    t.true((await loadDocument({file: 'node.yaml', text})).diagnostics.length > 0, `member ${bad} is rejected`);
  }
  const good =
    'apiVersion: cosi.dev/v1alpha1\nkind: NodeConfig\nmetadata: {name: n}\nspec:\n  groups:\n    cri-users: {gid: 1500, members: [alice, john.doe]}\n    _svc$: {}\n';
  t.deepEqual((await loadDocument({file: 'node.yaml', text: good})).diagnostics, []);
});

test('create: groupadd -g with the planned gid, then gpasswd -a; the plan shows both', (t) =>
  withRoot({}, async (root, host) => {
    const planned = await plan(host, {groups: {'cri-users': {members: ['alice', 'bob']}}});
    t.deepEqual(planned.diagnostics, []);
    const [change] = planned.changes;
    t.is(change!.reason, 'group cri-users does not exist: create it with gid 998; add alice, bob');
    t.deepEqual(change!.details, [
      'groupadd -g 998 cri-users',
      'gpasswd -a alice cri-users',
      'gpasswd -a bob cri-users',
    ]);
    calls.delete(root.dir);
    t.falsy(
      (await applyChanges({host, changes: planned.changes, state: await loadState(host), providers: [provider]}))
        .failed,
    );
    t.deepEqual(calls.get(root.dir), [
      'groupadd -g 998 -- cri-users',
      'gpasswd -a alice -- cri-users',
      'gpasswd -a bob -- cri-users',
    ]);
    t.regex((await root.read('/etc/group'))!, /^cri-users:x:998:alice,bob$/m);
    // Dropping bob from the list removes him (cosi added him); alice stays.
    const less = await plan(host, {groups: {'cri-users': {members: ['alice']}}});
    t.deepEqual(
      less.changes.map((c) => [c.action, c.details]),
      [['update', ['gpasswd -d bob cri-users']]],
    );
  }));

test('removal keeps a group cosi created when someone else uses it, and says why; members found are never removed', (t) =>
  withRoot({}, async (root, host) => {
    const spec = {groups: {'cri-users': {members: ['alice']}, staff: {members: ['carol', 'bob']}}};
    const first = await plan(host, spec);
    await applyChanges({host, changes: first.changes, state: await loadState(host), providers: [provider]});
    for (const file of ['/etc/group', '/etc/gshadow'])
      await root.write(file, (await root.read(file))!.replace(/^(cri-users:.*:)alice$/m, '$1alice,dave'));
    const removal = await plan(host, {});
    t.deepEqual(
      removal.changes.map((c) => [c.address, c.action, c.details]),
      [
        ['group.cri-users', 'delete', ['gpasswd -d alice cri-users']],
        ['group.staff', 'delete', ['gpasswd -d bob staff']],
      ],
    );
    t.deepEqual(
      removal.diagnostics.map((d) => d.summary),
      ['group cri-users, which cosi created, is kept: it has members cosi did not add (dave)'],
    );
    // The runtime's socket group in the document keeps it too.
    for (const file of ['/etc/group', '/etc/gshadow'])
      await root.write(file, (await root.read(file))!.replace('alice,dave', 'alice'));
    const socket = await plan(host, {runtime: {engine: 'containerd', socket: {group: 'cri-users'}}});
    t.regex(
      socket.changes.find((c) => c.address === 'group.cri-users')!.reason,
      /the group is kept: spec\.runtime\.socket\.group still names it/,
    );
  }));

test("the runtime's socket group may be a declared group that does not exist yet: its planned gid, after its creation", (t) =>
  withRoot({'/etc/containerd/config.toml': 'version = 2\n'}, async (_root, host) => {
    const spec: NodeConfig['spec'] = {
      groups: {'cri-users': {}},
      runtime: {engine: 'containerd', socket: {group: 'cri-users'}},
    };
    const planned = await plan(host, spec, [provider as Provider, runtimeProvider as Provider]);
    t.deepEqual(planned.diagnostics, []);
    t.deepEqual(
      planned.changes.map((c) => c.address),
      ['group.cri-users', 'runtime.containerd'],
    );
    t.deepEqual(planned.changes[1]!.dependsOn.includes('group.cri-users'), true);
    t.true(
      planned.changes[1]!.details!.some((d) => /grpc\.gid.*998/.test(d)),
      JSON.stringify(planned.changes[1]!.details),
    );
    const undeclared = await plan(host, {runtime: {engine: 'containerd', socket: {group: 'cri-users'}}}, [
      provider as Provider,
      runtimeProvider as Provider,
    ]);
    t.deepEqual(
      undeclared.diagnostics.map((d) => d.summary),
      ['socket group "cri-users" does not exist in the node\'s /etc/group'],
    );
  }));

import test from 'ava';
import {mkdir, symlink} from 'node:fs/promises';
import {join} from 'node:path';
import type {NodeConfig} from '../../src/config/generated/types.js';
import {applyChanges} from '../../src/engine/apply-changes.js';
import {loadState} from '../../src/engine/state.js';
import {createHost, type Host} from '../../src/host/host.js';
import {seccompProvider} from '../../src/resources/seccomp/provider.js';
import {createFixtureRoot, type FixtureRoot} from '../lib/fixture-root.js';
import {providerRun} from '../lib/provider-run.js';

const dir = '/var/lib/kubelet/seccomp';
const providers = [seccompProvider];

async function setup(
  t: {teardown(fn: () => Promise<void>): void},
  files: Record<string, string> = {},
): Promise<{root: FixtureRoot; host: Host}> {
  const root = await createFixtureRoot(files);
  t.teardown(() => root.cleanup());
  return {
    root,
    host: createHost({
      root: root.dir,
      runner: async () => ({exitCode: 127, timedOut: false, stdout: '', stderr: '', started: false}),
    }),
  };
}

const run = providerRun(providers);
const plan = run.plan;
const apply = async (host: Host, spec: NodeConfig['spec']) => run.applyPlan(host, await plan(host, spec));

test('profiles are written as canonical JSON and compared as canonical JSON', async (t) => {
  const {root, host} = await setup(t);
  const spec = {
    seccomp: {
      profiles: {
        'cosi/a.json': {
          syscalls: [{action: 'SCMP_ACT_ALLOW' as const, names: ['read']}],
          defaultAction: 'SCMP_ACT_LOG' as const,
        },
      },
    },
  };
  await apply(host, spec);
  t.is(
    await root.read(`${dir}/cosi/a.json`),
    '{\n  "defaultAction": "SCMP_ACT_LOG",\n  "syscalls": [\n    {\n      "action": "SCMP_ACT_ALLOW",\n      "names": [\n        "read"\n      ]\n    }\n  ]\n}\n',
  );
  await root.write(
    `${dir}/cosi/a.json`,
    '{"syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}],"defaultAction":"SCMP_ACT_LOG"}',
  );
  t.deepEqual((await plan(host, spec)).changes, [], 'reformatted but equal: no change');
  await root.write(`${dir}/cosi/a.json`, 'not json');
  const drifted = await plan(host, spec);
  t.deepEqual(
    drifted.changes.map((c) => [c.action, c.reason]),
    [['update', `${dir}/cosi/a.json is not JSON`]],
  );
});

test('a link below the seccomp root that leads outside is refused at plan time, and nothing is written', async (t) => {
  const {root, host} = await setup(t, {'/etc/cron.d/keep': 'x'});
  await mkdir(join(root.dir, dir), {recursive: true});
  await symlink('/etc/cron.d', join(root.dir, dir, 'cosi'));
  const result = await plan(host, {seccomp: {profiles: {'cosi/evil.json': {defaultAction: 'SCMP_ACT_ALLOW'}}}});
  t.deepEqual(result.changes, []);
  t.is(result.diagnostics.length, 1);
  t.regex(
    result.diagnostics[0]!.summary,
    /seccomp profile cosi\/evil\.json cannot be written: \/var\/lib\/kubelet\/seccomp\/cosi\/evil\.json resolves to \/etc\/cron\.d\/evil\.json, outside \/var\/lib\/kubelet\/seccomp/,
  );
  t.deepEqual(result.diagnostics[0]!.path, ['spec', 'seccomp', 'profiles', 'cosi/evil.json']);
  t.is(await root.read('/etc/cron.d/evil.json'), undefined);
});

test('a link below the seccomp root is refused even when it stays inside; the root itself may be a link', async (t) => {
  const {root, host} = await setup(t);
  await mkdir(join(root.dir, '/data/kubelet/seccomp/real'), {recursive: true});
  await mkdir(join(root.dir, '/var/lib/kubelet'), {recursive: true});
  await symlink('/data/kubelet/seccomp', join(root.dir, dir));
  await symlink('real', join(root.dir, '/data/kubelet/seccomp/linked'));
  const result = await plan(host, {
    seccomp: {
      profiles: {'linked/a.json': {defaultAction: 'SCMP_ACT_ALLOW'}, 'cosi/b.json': {defaultAction: 'SCMP_ACT_LOG'}},
    },
  });
  t.deepEqual(
    result.diagnostics.map((d) => d.summary),
    [
      'seccomp profile linked/a.json cannot be written: /var/lib/kubelet/seccomp/linked is a symbolic link; cosi does not write profiles through links',
    ],
  );
  t.deepEqual(
    result.changes.map((c) => c.address),
    ['seccomp.profile.cosi/b.json'],
  );
  await applyChanges({host, changes: result.changes, state: await loadState(host), providers});
  t.truthy(await root.read('/data/kubelet/seccomp/cosi/b.json'), 'written through the linked seccomp root');
});

test('exclusive removes undeclared files under cosi/ only, never others, never through links', async (t) => {
  const {root, host} = await setup(t, {
    [`${dir}/cosi/old.json`]: '{}',
    [`${dir}/cosi/nested/older.json`]: '{}',
    [`${dir}/operator/theirs.json`]: '{}',
    [`${dir}/top.json`]: '{}',
    '/etc/important.json': '{}',
  });
  await symlink('/etc/important.json', join(root.dir, dir, 'cosi/link.json'));
  const spec = {seccomp: {exclusive: true, profiles: {'cosi/kept.json': {defaultAction: 'SCMP_ACT_LOG' as const}}}};
  const planned = await plan(host, spec);
  t.deepEqual(planned.changes.map((c) => [c.address, c.action]).sort(), [
    ['seccomp.profile.cosi/kept.json', 'create'],
    ['seccomp.profile.cosi/nested/older.json', 'delete'],
    ['seccomp.profile.cosi/old.json', 'delete'],
  ]);
  t.deepEqual(
    planned.diagnostics.map((d) => [d.severity, d.summary]),
    [
      [
        'warning',
        `seccomp.exclusive leaves ${dir}/cosi/link.json alone: it is not a regular file (a link or a device)`,
      ],
    ],
  );
  await applyChanges({host, changes: planned.changes, state: await loadState(host), providers});
  t.is(await root.read(`${dir}/cosi/old.json`), undefined);
  t.is(await root.read(`${dir}/cosi/nested/older.json`), undefined);
  t.is(await root.read(`${dir}/operator/theirs.json`), '{}');
  t.is(await root.read(`${dir}/top.json`), '{}');
  t.is(await root.read('/etc/important.json'), '{}');
  t.deepEqual((await plan(host, spec)).changes, []);
});

test('moving the seccomp root writes the new file and puts back the old one', async (t) => {
  const {root, host} = await setup(t);
  const profiles = {'cosi/a.json': {defaultAction: 'SCMP_ACT_LOG' as const}};
  await apply(host, {seccomp: {profiles}});
  const moved = await plan(host, {seccomp: {dir: '/srv/seccomp', profiles}});
  t.deepEqual(
    moved.changes.map((c) => c.action),
    ['update'],
  );
  await applyChanges({host, changes: moved.changes, state: await loadState(host), providers});
  t.is(await root.read(`${dir}/cosi/a.json`), undefined);
  t.truthy(await root.read('/srv/seccomp/cosi/a.json'));
  t.deepEqual((await plan(host, {seccomp: {dir: '/srv/seccomp', profiles}})).changes, []);
});

test('facts: kernel filter support and the profiles present', async (t) => {
  const {host} = await setup(t, {
    '/proc/sys/kernel/seccomp/actions_avail': 'kill_process kill_thread trap errno user_notif trace log allow\n',
    [`${dir}/cosi/a.json`]: '{}',
    [`${dir}/audit.json`]: '{}',
    [`${dir}/README`]: 'x',
  });
  const facts = await seccompProvider.facts!({host});
  t.deepEqual(facts, {
    kernelFilters: true,
    actionsAvailable: ['kill_process', 'kill_thread', 'trap', 'errno', 'user_notif', 'trace', 'log', 'allow'],
    dir,
    profiles: ['audit.json', 'cosi/a.json'],
  });
  const {host: bare} = await setup(t, {'/proc/self/status': 'Name:\tcat\nSeccomp:\t0\n'});
  t.is((await seccompProvider.facts!({host: bare})).kernelFilters, true);
  const {host: none} = await setup(t);
  t.is((await seccompProvider.facts!({host: none})).kernelFilters, null);
});

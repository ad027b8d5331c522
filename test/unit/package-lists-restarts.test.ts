import {execFileSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import test from 'ava';
import {emptyState} from '../../src/engine/state.js';
import {createHost} from '../../src/host/host.js';
import {summaryLine} from '../../src/cli/render/plan-text.js';
import {parseAptTransactionSimulation} from '../../src/resources/package/apt/apt-transaction-simulation.js';
import {heldRequests, parseHeldRequests} from '../../src/resources/package/apt/held-restarts.js';
import {safeUnitName} from '../../src/names/unit-name.js';
import {denyAll} from '../../src/resources/package/apt/policy-rc-d.js';
import {aptBackend} from '../../src/resources/package/apt/apt-backend.js';
import type {PackageChangeData} from '../../src/resources/package/change-data.js';
import {describeLists, describeSeconds, isStale, probeLists} from '../../src/resources/package/lists.js';
import {planPackages} from '../../src/resources/package/plan.js';
import type {PackageObserved} from '../../src/resources/package/probe.js';
import {neverRestarted, parseMaps, unitFilesOf, unitOfCgroup} from '../../src/resources/package/process-maps.js';
import {packageOwes} from '../../src/resources/package/owes.js';
import {planOwedRestarts} from '../../src/resources/service/owed-restarts.js';
import {createFixtureRoot} from '../lib/fixture-root.js';
import {desiredFrom} from '../lib/document.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../../../fixtures/packages');
const recorded = (name: string) => readFileSync(join(fixtures, name), 'utf8');

// --- the lists' age -------------------------------------------------------------------------------------------

test('lists: age from the newest stamp (the stamp file, the lists directory, partial/), not from the index files', async (t) => {
  const root = await createFixtureRoot({
    '/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4': '',
    '/var/lib/apt/lists/partial/.keep': '',
    '/var/lib/apt/periodic/update-success-stamp': '',
  });
  t.teardown(() => root.cleanup());
  const now = Date.now();
  const at = (path: string, secondsAgo: number) =>
    utimesSync(join(root.dir, path), (now - secondsAgo * 1000) / 1000, (now - secondsAgo * 1000) / 1000);
  at('/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4', 10);
  at('/var/lib/apt/lists/partial', 5 * 86400);
  at('/var/lib/apt/lists', 4 * 86400);
  at('/var/lib/apt/periodic/update-success-stamp', 3 * 86400 + 3600);
  const host = createHost({root: root.dir});
  const state = await probeLists(host, aptBackend.lists, now);
  t.deepEqual(state, {missing: false, ageSeconds: 3 * 86400 + 3600});
  t.is(describeLists(state), '3 d 1 h old');
  t.true(isStale(state, 86400));
  t.false(isStale(state, 4 * 86400));
  at('/var/lib/apt/periodic/update-success-stamp', -3600);
  t.deepEqual(
    await probeLists(host, aptBackend.lists, now),
    {missing: false, ageSeconds: 0},
    'a future stamp is age 0',
  );
});

test('lists: missing when no index file is there; no stamp at all is stale', async (t) => {
  const root = await createFixtureRoot({'/var/lib/apt/lists/lock': '', '/var/lib/apt/lists/partial/.keep': ''});
  t.teardown(() => root.cleanup());
  const host = createHost({root: root.dir});
  const state = await probeLists(host, aptBackend.lists, Date.now());
  t.deepEqual(state, {missing: true});
  t.is(describeLists(state), 'missing');
  t.true(isStale(state, 10 ** 9));
  t.true(isStale({missing: false}, 10 ** 9));
  t.deepEqual(await probeLists(createHost({root: root.dir}), {...aptBackend.lists, dir: '/nowhere'}, 0), {
    missing: true,
  });
});

test('lists: durations in their two largest units', (t) => {
  t.is(describeSeconds(0), '0 s');
  t.is(describeSeconds(59), '59 s');
  t.is(describeSeconds(86400), '1 d');
  t.is(describeSeconds(86400 + 7200 + 65), '1 d 2 h');
  t.is(describeSeconds(3600 + 60 * 25 + 3), '1 h 25 min');
});

// --- the resolver's answer ------------------------------------------------------------------------------------

test('apt-get -s: a recorded install names new packages and upgrades, dependencies included, Conf lines not twice', (t) => {
  const steps = parseAptTransactionSimulation(recorded('apt-get-s-install.txt'));
  const byName = Object.fromEntries(steps.map((s) => [s.name, s]));
  t.deepEqual(byName['openssh-client'], {
    name: 'openssh-client',
    op: 'upgrade',
    from: '1:9.2p1-2+deb12u6',
    to: '1:9.2p1-2+deb12u10',
  });
  t.deepEqual(byName['openssh-server'], {name: 'openssh-server', op: 'install', to: '1:9.2p1-2+deb12u10'});
  t.is(byName['libcurl4']?.op, 'upgrade');
  t.is(byName['runit-helper']?.op, 'install');
  t.is(steps.length, new Set(steps.map((s) => s.name)).size, 'each package once');
  t.is(
    steps.length,
    recorded('apt-get-s-install.txt')
      .split('\n')
      .filter((l) => l.startsWith('Inst ')).length,
  );
});

test('apt-get -s: recorded removals, and a downgrade that removes a dependant', (t) => {
  const removal = parseAptTransactionSimulation(recorded('apt-get-s-remove.txt'));
  t.true(removal.length > 3);
  t.true(removal.every((s) => s.op === 'remove' && s.from !== undefined));
  t.deepEqual(
    removal.find((s) => s.name === 'xz-utils'),
    {name: 'xz-utils', op: 'remove', from: '5.4.1-1'},
  );
  t.deepEqual(
    removal.find((s) => s.name === 'dpkg-dev'),
    {name: 'dpkg-dev', op: 'remove', from: '1.21.23'},
    'the trailing [lintian:amd64 ] note is not a version',
  );
  t.deepEqual(parseAptTransactionSimulation(recorded('apt-get-s-downgrade.txt')), [
    {name: 'curl', op: 'remove', from: '7.88.1-10+deb12u14'},
    {name: 'libcurl4', op: 'downgrade', from: '7.88.1-10+deb12u14', to: '7.88.1-10+deb12u5'},
  ]);
  t.deepEqual(
    parseAptTransactionSimulation('Inst a [1.0] (1.0 local [amd64])\nInst b:i386 (2 local [i386])\ngarbage\nInst\n'),
    [
      {name: 'a', op: 'reinstall', from: '1.0', to: '1.0'},
      {name: 'b:i386', op: 'install', to: '2'},
    ],
  );
});

// --- what cosi's policy-rc.d records, read back as hostile input -------------------------------------------------

test('held restarts: only `ID ACTION` lines with start-like actions and safe unit names count', (t) => {
  const text = [
    'ssh.service restart',
    'ssh restart',
    'cron start',
    'nginx stop',
    '-rf restart',
    '--quiet start',
    '../../etc/passwd restart',
    'a..b restart',
    '.hidden start',
    'x/y start',
    'ssh@.service restart',
    'getty@ttyS0.service restart',
    `${'a'.repeat(300)} start`,
    'bad\x07bell start',
    'two words here start',
    'rsyslog.service restart extra',
    'unit-with-dash.service try-restart',
    '',
    'junk',
  ].join('\n');
  t.deepEqual(parseHeldRequests(text), [
    'cron.service',
    'getty@ttyS0.service',
    'ssh.service',
    'unit-with-dash.service',
  ]);
});

test('held restarts: a huge record is read only up to its bound, and at most 256 units', (t) => {
  const many = Array.from({length: 5000}, (_, i) => `unit${i} restart`).join('\n');
  t.is(parseHeldRequests(many).length, 256);
  t.deepEqual(parseHeldRequests('x'.repeat(100_000) + '\nlate restart\n'), [], 'beyond the bound nothing is read');
  t.is(safeUnitName('-x'), undefined);
  t.is(safeUnitName('kubelet'), 'kubelet.service');
  t.is(safeUnitName('x.timer'), 'x.timer');
});

test('policy-rc.d: forbids everything (exit 101) and records start-like requests after options, one line each', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cosi-policy-'));
  t.teardown(() => rmSync(dir, {recursive: true, force: true}));
  const record = join(dir, 'requests');
  const script = join(dir, 'policy-rc.d');
  writeFileSync(script, denyAll.replace(heldRequests, record), {mode: 0o755});
  const run = (...args: string[]) => {
    try {
      execFileSync(script, args, {stdio: 'ignore'});
      return 0;
    } catch (error) {
      return (error as {status: number}).status;
    }
  };
  t.is(run('ssh.service', 'restart'), 101);
  t.is(run('--quiet', 'cron', 'start'), 101);
  t.is(run('nginx', 'stop'), 101);
  t.is(run('--list', 'ssh', '2'), 101);
  t.is(run('evil\nunit', 'restart'), 101);
  t.is(run('a b', 'restart'), 101);
  const text = readFileSync(record, 'utf8');
  t.true(text.startsWith('ssh.service restart\ncron start\n'), text);
  t.deepEqual(
    parseHeldRequests(text),
    ['cron.service', 'ssh.service'],
    'a name with a newline or a space is not recorded',
  );
});

// --- restartServices: auto ------------------------------------------------------------------------------------

test('maps: files mapped, deleted ones marked, pseudo-mappings skipped', (t) => {
  const maps = [
    '55d5c3a00000-55d5c3a0c000 r--p 00000000 fe:01 1311001                    /usr/sbin/sshd (deleted)',
    '55d5c3a0c000-55d5c3aa0000 r-xp 0000c000 fe:01 1311001                    /usr/sbin/sshd (deleted)',
    '7f1e2c000000-7f1e2c021000 rw-p 00000000 00:00 0 ',
    '7f1e2d000000-7f1e2d200000 r--p 00000000 fe:01 1180000                    /usr/lib/x86_64-linux-gnu/libc.so.6',
    '7f1e2e000000-7f1e2e001000 r--p 00000000 fe:01 1180001                    /usr/lib/x86_64-linux-gnu/lib with space.so',
    '7ffd1c000000-7ffd1c021000 rw-p 00000000 00:00 0                          [stack]',
    '7ffd1c100000-7ffd1c102000 r-xp 00000000 00:00 0                          [vdso]',
    'garbage line',
  ].join('\n');
  t.deepEqual(parseMaps(maps), [
    {path: '/usr/sbin/sshd', deleted: true},
    {path: '/usr/lib/x86_64-linux-gnu/libc.so.6', deleted: false},
    {path: '/usr/lib/x86_64-linux-gnu/lib with space.so', deleted: false},
  ]);
});

test('cgroup: the system service of a process, none for sessions, PID 1 and junk', (t) => {
  t.is(unitOfCgroup('0::/system.slice/ssh.service\n'), 'ssh.service');
  t.is(unitOfCgroup('0::/system.slice/containerd.service/sub\n'), 'containerd.service');
  t.is(unitOfCgroup('0::/user.slice/user-0.slice/session-1.scope\n'), undefined);
  t.is(unitOfCgroup('0::/init.scope\n'), undefined);
  t.is(unitOfCgroup('12:memory:/x\n1:name=systemd:/system.slice/cron.service\n'), 'cron.service');
  t.is(unitOfCgroup('0::/system.slice/-evil.service\n'), undefined);
  t.is(unitOfCgroup(''), undefined);
  t.true(neverRestarted('dbus.service'));
  t.true(neverRestarted('serial-getty@ttyS0.service'));
  t.true(neverRestarted('cosi-apply.service'));
  t.false(neverRestarted('ssh.service'));
});

test('dpkg file lists: the services a package ships, templates skipped', (t) => {
  const list = [
    '/.',
    '/lib/systemd/system/ssh.service',
    '/lib/systemd/system/ssh@.service',
    '/lib/systemd/system/ssh.socket',
    '/usr/lib/systemd/system/rescue-ssh.target',
    '/usr/lib/systemd/system/other.service',
    '/usr/sbin/sshd',
  ].join('\n');
  t.deepEqual(unitFilesOf(list), ['other.service', 'ssh.service']);
});

// --- planning ---------------------------------------------------------------------------------------------------

const installed = {name: 'openssh-server', version: '1:9.2p1-2', state: 'installed' as const, held: false};
function observedWith(extra: Partial<PackageObserved>): PackageObserved {
  return {
    manager: 'apt',
    count: 1,
    installed: {'openssh-server': installed},
    offers: {'openssh-server': {versions: ['1:9.2p1-2+cosi1', '1:9.2p1-2'], candidate: '1:9.2p1-2+cosi1'}},
    unitPackages: {},
    removalExtras: [],
    ...extra,
  };
}

test('plan: stale lists with refresh on are the change package.lists, which the transaction depends on; the preview and restarts are shown', (t) => {
  const desired = desiredFrom({
    packages: {install: {'openssh-server': 'latest'}, refresh: {maxAge: '24h'}},
  });
  const plan = planPackages({
    desired,
    state: emptyState,
    observed: observedWith({
      lists: {missing: false, ageSeconds: 3 * 86400},
      listsView: true,
      preview: {
        items: [{name: 'openssh-server', version: '1:9.2p1-2+cosi1'}],
        steps: [
          {name: 'openssh-client', op: 'upgrade', from: '1:9.2p1-2', to: '1:9.2p1-2+cosi1'},
          {name: 'openssh-server', op: 'upgrade', from: '1:9.2p1-2', to: '1:9.2p1-2+cosi1'},
        ],
      },
      restarts: {'openssh-server': ['ssh.service'], 'openssh-client': ['ssh-agent-like.service']},
    }),
  });
  t.deepEqual(plan.diagnostics, []);
  const lists = plan.changes.find((c) => c.address === 'package.lists')!;
  t.is(lists.action, 'update');
  t.regex(lists.reason, /3 d old, older than maxAge 1 d: cosi runs apt-get update/);
  t.deepEqual((lists.data as PackageChangeData).op, 'refresh');
  const server = plan.changes.find((c) => c.address === 'package.openssh-server')!;
  t.true(server.dependsOn.includes('package.lists'));
  t.deepEqual(server.details, [
    "one install transaction; the resolver's answer, dependencies included:",
    '  upgrade openssh-client 1:9.2p1-2 -> 1:9.2p1-2+cosi1',
    '  upgrade openssh-server 1:9.2p1-2 -> 1:9.2p1-2+cosi1',
  ]);
  t.is(server.disruption, 'restart:ssh.service');
  const data = server.data as Extract<PackageChangeData, {op: 'install'}>;
  t.deepEqual(data.restarts, ['ssh-agent-like.service', 'ssh.service'], "a dependency's restart goes to the carrier");
  t.deepEqual(data.transaction?.owed, ['ssh-agent-like.service', 'ssh.service']);
  t.deepEqual(data.transaction?.changed, ['openssh-client', 'openssh-server']);
});

test('plan: missing lists with refresh on are created; fresh lists plan no refresh', (t) => {
  const desired = desiredFrom({packages: {install: {'openssh-server': '*'}, refresh: {maxAge: '1h'}}});
  const missing = planPackages({desired, state: emptyState, observed: observedWith({lists: {missing: true}})});
  t.is(missing.changes.find((c) => c.address === 'package.lists')?.action, 'create');
  const fresh = planPackages({
    desired,
    state: emptyState,
    observed: observedWith({lists: {missing: false, ageSeconds: 60}}),
  });
  t.is(
    fresh.changes.find((c) => c.address === 'package.lists'),
    undefined,
  );
});

test('plan: refresh never over stale lists warns for latest and >= packages, and the summary does not say the node matches', (t) => {
  const desired = desiredFrom({packages: {install: {'openssh-server': 'latest', curl: '*'}, refresh: 'never'}});
  const plan = planPackages({
    desired,
    state: emptyState,
    observed: observedWith({
      offers: {'openssh-server': {versions: ['1:9.2p1-2'], candidate: '1:9.2p1-2'}},
      installed: {'openssh-server': installed, curl: {...installed, name: 'curl', version: '7'}},
      lists: {missing: false, ageSeconds: 2 * 86400},
    }),
  });
  t.is(plan.diagnostics?.length, 1);
  t.is(plan.diagnostics?.[0]?.severity, 'warning');
  t.regex(
    plan.diagnostics![0]!.summary,
    /lists are 2 d old and packages\.refresh is never: openssh-server was checked/,
  );
  t.deepEqual(plan.diagnostics?.[0]?.path, ['spec', 'packages', 'refresh']);
  t.is(plan.conditions?.[0]?.type, 'package-lists-stale');
  t.true(plan.changes.every((c) => c.action === 'noop'));
  const line = summaryLine({changes: [], conditions: plan.conditions ?? []});
  t.notRegex(line, /matches the configuration\./);
  t.is(summaryLine({changes: []}), 'No changes. The node matches the configuration.');

  const onlyAny = planPackages({
    desired: desiredFrom({packages: {install: {'openssh-server': '*'}}}),
    state: emptyState,
    observed: observedWith({lists: {missing: true}}),
  });
  t.deepEqual(onlyAny.diagnostics, [], '`*` packages do not depend on the lists being current');
  const fresh = planPackages({
    desired,
    state: emptyState,
    observed: observedWith({lists: {missing: false, ageSeconds: 3600}}),
  });
  t.deepEqual(fresh.conditions, []);
});

test('owes: a package change owes a restart of every unit it names; the restart of an undeclared unit names its unit', (t) => {
  const change = {
    address: 'package.openssh-server',
    kind: 'package' as const,
    action: 'update' as const,
    before: '1',
    after: '2',
    reason: 'r',
    disruption: 'restart:ssh.service' as const,
    dependsOn: [],
    inputs: 'x',
    data: {
      op: 'install',
      manager: 'apt',
      name: 'openssh-server',
      version: '2',
      restarts: ['a.service', 'ssh.service'],
    } satisfies PackageChangeData as PackageChangeData,
  };
  t.deepEqual(packageOwes(change), [
    {work: 'restart', target: 'a.service'},
    {work: 'restart', target: 'ssh.service'},
  ]);
  t.deepEqual(packageOwes({...change, data: {op: 'none', name: 'x'}}), [{work: 'restart', target: 'ssh.service'}]);
  const [restart] = planOwedRestarts({owed: [{target: 'ssh.service', causes: [change]}], changes: [change]});
  t.is((restart!.data as {unit?: string}).unit, 'ssh.service');
  t.deepEqual(restart!.dependsOn, ['package.openssh-server']);
});

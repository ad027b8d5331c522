import test from 'ava';
import {emptyState, type CosiState} from '../../src/engine/state.js';
import type {Change} from '../../src/plan/change.js';
import type {InstalledPackage, Offer} from '../../src/resources/package/backend.js';
import type {PackageChangeData} from '../../src/resources/package/change-data.js';
import {decidePackage, type DecideRequest} from '../../src/resources/package/decide.js';
import {planPackages} from '../../src/resources/package/plan.js';
import type {PackageObserved} from '../../src/resources/package/probe.js';
import {parseConstraint, type PackageManagerName} from '../../src/resources/package/version/index.js';
import {desiredFrom} from '../lib/document.js';

const row = (name: string, version: string, extra: Partial<InstalledPackage> = {}): InstalledPackage => ({
  name,
  version,
  state: 'installed',
  held: false,
  ...extra,
});
const offer = (versions: string[], candidate = versions[0]): Offer => ({versions, ...(candidate ? {candidate} : {})});

function decide(
  manager: PackageManagerName,
  text: string,
  installed: InstalledPackage | undefined,
  available: Offer | null | undefined,
) {
  const parsed = parseConstraint(text);
  if (!parsed.ok) throw new Error(parsed.error);
  const request: DecideRequest = {manager, name: 'p', text, constraint: parsed.value, installed, offer: available};
  return decidePackage(request);
}

const ssh = offer(['1:9.2p1-2+deb12u3', '1:9.2p1-2+deb12u2', '1:9.2p1-2']);
const cases: Array<
  [string, PackageManagerName, string, InstalledPackage | undefined, Offer | null | undefined, string]
> = [
  ['>= satisfied', 'apt', '>= 1:9.2p1-2+deb12u3', row('p', '1:9.2p1-2+deb12u3'), undefined, 'noop'],
  [
    '>= lower: upgrade to the candidate',
    'apt',
    '>= 1:9.2p1-2+deb12u3',
    row('p', '1:9.2p1-2+deb12u2'),
    ssh,
    'upgrade 1:9.2p1-2+deb12u3',
  ],
  [
    '>= higher than installed without epoch is still satisfied by epoch',
    'apt',
    '>= 9.9',
    row('p', '1:9.2p1-2'),
    undefined,
    'noop',
  ],
  ['>= nothing high enough on offer', 'apt', '>= 1:9.3', row('p', '1:9.2p1-2'), ssh, 'error'],
  ['exact pin: downgrade', 'apt', '1:9.2p1-2', row('p', '1:9.2p1-2+deb12u3'), ssh, 'downgrade 1:9.2p1-2'],
  ['exact missing version', 'apt', '1:9.2p1-1', undefined, ssh, 'error'],
  ['* missing: install the candidate', 'apt', '*', undefined, offer(['2.0', '1.0'], '1.0'), 'install 1.0'],
  ['* present', 'apt', '*', row('p', '0.1'), undefined, 'noop'],
  ['latest: upgrade', 'apt', 'latest', row('p', '1.0'), offer(['2.0', '1.0']), 'upgrade 2.0'],
  ['latest: already newest', 'apt', 'latest', row('p', '2.0'), offer(['2.0', '1.0']), 'noop'],
  ['latest: installed newer than the repositories', 'apt', 'latest', row('p', '3.0'), offer(['2.0']), 'noop'],
  ['unknown package', 'apt', '*', undefined, null, 'error'],
  [
    'config-files only counts as missing',
    'apt',
    '*',
    row('p', '1.0', {state: 'config-files'}),
    offer(['1.0']),
    'install 1.0',
  ],
  ['broken install is repaired', 'apt', '*', row('p', '1.0', {state: 'broken'}), offer(['1.0']), 'reinstall 1.0'],
  [
    'dnf: release-less exact matches the newest release',
    'dnf',
    '2.0',
    row('p', '1.0-1'),
    offer(['2.0-2.el9', '2.0-1.el9', '1.0-1']),
    'upgrade 2.0-2.el9',
  ],
  ['dnf: release-less >= is satisfied by any release', 'dnf', '>= 1.0', row('p', '1.0-1.el9'), undefined, 'noop'],
  [
    'apk: >= picks the candidate',
    'apk',
    '>= 9.6_p1-r0',
    row('p', '9.5_p1-r0'),
    offer(['9.6_p1-r1', '9.5_p1-r0']),
    'upgrade 9.6_p1-r1',
  ],
];
for (const [title, manager, text, installed, available, expected] of cases) {
  test(`decide: ${title}`, (t) => {
    const d = decide(manager, text, installed, available);
    t.is(d.kind === 'change' ? `${d.direction} ${d.target}` : d.kind, expected, JSON.stringify(d));
  });
}

test('decide: a missing version names the versions on offer', (t) => {
  const d = decide('apt', '>= 1:9.3', row('p', '1:9.2p1-2'), ssh);
  t.is(d.kind, 'error');
  t.regex(d.kind === 'error' ? d.summary : '', /on offer: 1:9\.2p1-2\+deb12u3, 1:9\.2p1-2\+deb12u2, 1:9\.2p1-2$/);
});

function observed(partial: Partial<PackageObserved>): PackageObserved {
  return {manager: 'apt', count: 100, installed: {}, offers: {}, unitPackages: {}, removalExtras: [], ...partial};
}

const byAddress = (changes: readonly Change[]) => Object.fromEntries(changes.map((c) => [c.address, c]));

test('plan: one install transaction carried by the first change; the others depend on it; removals after', (t) => {
  const desired = desiredFrom({
    packages: {install: {zlib: '*', curl: 'latest', openssh: '>= 2.0', vim: '*'}, remove: ['telnetd', 'rsh']},
  });
  const plan = planPackages({
    desired,
    state: emptyState,
    observed: observed({
      installed: {
        openssh: row('openssh', '1.0'),
        vim: row('vim', '9.0'),
        telnetd: row('telnetd', '0.17'),
        rsh: row('rsh', '0.17'),
      },
      offers: {zlib: offer(['1.3']), curl: offer(['8.0']), openssh: offer(['2.1', '1.0'])},
    }),
  });
  t.deepEqual(plan.diagnostics, []);
  const c = byAddress(plan.changes);
  t.is(c['package.vim']!.action, 'noop');
  t.deepEqual(
    [c['package.curl']!.action, c['package.openssh']!.action, c['package.zlib']!.action],
    ['create', 'update', 'create'],
  );
  const carrier = c['package.curl']!.data as PackageChangeData;
  t.deepEqual(carrier.op === 'install' && carrier.transaction, {
    op: 'install',
    items: [
      {name: 'curl', version: '8.0'},
      {name: 'openssh', version: '2.1'},
      {name: 'zlib', version: '1.3'},
    ],
  });
  t.deepEqual(c['package.openssh']!.dependsOn, ['package.curl']);
  t.deepEqual(c['package.zlib']!.dependsOn, ['package.curl']);
  t.deepEqual(c['package.rsh']!.dependsOn, ['package.curl'], 'the removal carrier comes after the installs');
  t.deepEqual(
    (c['package.rsh']!.data as PackageChangeData).op === 'remove' &&
      (c['package.rsh']!.data as {transaction?: unknown}).transaction,
    {op: 'remove', names: ['rsh', 'telnetd']},
  );
  t.deepEqual(c['package.telnetd']!.dependsOn, ['package.rsh']);
  t.is(c['package.openssh']!.original, '1.0', 'the version found before cosi first changed it');
  t.is(c['package.zlib']!.original, null);
});

test('plan: upgrading the package a declared service or the runtime runs costs a restart', (t) => {
  const desired = desiredFrom({
    packages: {install: {'openssh-server': '>= 2.0', containerd: '>= 1.7'}},
    services: {ssh: {state: 'running'}},
    runtime: {engine: 'containerd'},
  });
  const plan = planPackages({
    desired,
    state: emptyState,
    observed: observed({
      installed: {'openssh-server': row('openssh-server', '1.0'), containerd: row('containerd', '1.6')},
      offers: {'openssh-server': offer(['2.0']), containerd: offer(['1.7.1'])},
      unitPackages: {'ssh.service': 'openssh-server', 'containerd.service': 'containerd'},
    }),
  });
  const c = byAddress(plan.changes);
  t.is(c['package.openssh-server']!.disruption, 'restart:ssh.service');
  t.is(c['package.containerd']!.disruption, 'restart:containerd.service');
  t.regex(c['package.containerd']!.reason, /containerd\.service runs it/);
});

test('plan: errors name the package and its document path; held packages are not overridden', (t) => {
  const desired = desiredFrom({
    packages: {install: {ghost: '*', pinned: '>= 3', held: '>= 2', bad: '1:'}, remove: ['gone']},
  });
  const plan = planPackages({
    desired,
    state: emptyState,
    observed: observed({
      installed: {held: row('held', '1.0', {held: true}), gone: row('gone', '1.0', {held: true})},
      offers: {ghost: null, pinned: offer(['2.0', '1.0']), held: offer(['2.0'])},
    }),
  });
  const summaries = (plan.diagnostics ?? []).map((d) => `${d.path?.join('.')}: ${d.summary}`);
  t.is(summaries.length, 5, summaries.join('\n'));
  t.true(summaries.some((s) => /^spec\.packages\.install\.ghost: package ghost is unknown to apt/.test(s)));
  t.true(summaries.some((s) => /^spec\.packages\.install\.pinned: .*on offer: 2\.0, 1\.0/.test(s)));
  t.true(
    summaries.some((s) =>
      /^spec\.packages\.install\.held: package held is held .*upgrade it from 1\.0 to 2\.0/.test(s),
    ),
  );
  t.true(
    summaries.some((s) => /^spec\.packages\.install\.bad: package bad: Expected a version after the epoch/.test(s)),
  );
  t.true(summaries.some((s) => /^spec\.packages\.remove\.0: package gone is held/.test(s)));
});

test('plan: a removal that would take unlisted packages along is an error', (t) => {
  const plan = planPackages({
    desired: desiredFrom({packages: {remove: ['libfoo']}}),
    state: emptyState,
    observed: observed({installed: {libfoo: row('libfoo', '1')}, removalExtras: ['app']}),
  });
  t.regex(
    plan.diagnostics?.[0]?.summary ?? '',
    /removing libfoo would also remove app, which the document does not list under remove/,
  );
});

test('plan: a package that leaves the document is forgotten, never uninstalled', (t) => {
  const state: CosiState = {
    version: 1,
    resources: {'package.curl': {original: null, applied: '8.0', since: 'x', updated: 'x'}},
  };
  const plan = planPackages({
    desired: desiredFrom({}),
    state,
    observed: observed({installed: {curl: row('curl', '8.0')}}),
  });
  t.is(plan.changes.length, 1);
  const change = plan.changes[0]!;
  t.like(change, {
    address: 'package.curl',
    action: 'delete',
    before: '8.0',
    after: '8.0',
    data: {op: 'forget', name: 'curl'},
  });
  t.regex(change.reason, /leaves it installed \(8\.0\); only packages listed under remove are uninstalled/);
});

test('plan: no manager on the node is one error at spec.packages', (t) => {
  const plan = planPackages({
    desired: desiredFrom({packages: {install: {curl: '*'}}}),
    state: emptyState,
    observed: {
      count: 0,
      installed: {},
      offers: {},
      unitPackages: {},
      removalExtras: [],
      problem: 'no package manager found',
    },
  });
  t.deepEqual(
    plan.diagnostics?.map((d) => [d.path, d.summary]),
    [[['spec', 'packages'], 'no package manager found']],
  );
  t.deepEqual(plan.changes, []);
});

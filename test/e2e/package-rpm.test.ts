import {writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import test from 'ava';
import {
  buildRpmRepository,
  createDebianRoot,
  repoRoot,
  run,
  type DebianRoot,
  type Exit,
  type RpmSpec,
} from '../lib/debian-root.js';

// Real rpm and dnf: Debian 12 packages both (rpm 4.18, dnf 4.14, createrepo-c), so the node is a throw-away Debian
// root whose rpm database holds only the test's packages, built here with rpmbuild and served by a local
// repository. `manager: dnf` is explicit: on this root `auto` would rightly pick apt.

const rpms: RpmSpec[] = [
  {name: 'cosi-hello', version: '1.0', release: '1'},
  {name: 'cosi-hello', version: '2.0', release: '1'},
  {name: 'cosi-hello', version: '3.0', release: '1'},
  {name: 'cosi-tool', version: '0.9', release: '1', epoch: 1},
  {name: 'cosi-tool', version: '2.0', release: '1'},
];

async function rpmRoot(t: {teardown(fn: () => Promise<void>): void}): Promise<DebianRoot> {
  const root = await createDebianRoot({suite: 'bookworm', variant: 'apt', include: ['rpm', 'dnf', 'createrepo-c']});
  t.teardown(() => root.dispose());
  await buildRpmRepository(root, rpms);
  return root;
}

function cosi(root: DebianRoot, ...args: string[]): Promise<Exit> {
  return run([process.execPath, join(repoRoot, 'bin/cosi.js'), ...args, '--root', root.dir, '--no-color']);
}

async function documentIn(root: DebianRoot, packages: string): Promise<string> {
  const file = join(root.dir, 'doc.yaml');
  await writeFile(
    file,
    `apiVersion: cosi.dev/v1alpha1\nkind: NodeConfig\nmetadata: {name: rpm}\nspec:\n  packages:\n    manager: dnf\n${packages}`,
  );
  return file;
}

async function installed(root: DebianRoot): Promise<Record<string, string>> {
  const out = await root.chroot([
    'rpm',
    '-qa',
    '--queryformat',
    '%{NAME} %|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\n',
  ]);
  return Object.fromEntries(
    out.stdout
      .split('\n')
      .filter((l) => l.startsWith('cosi-'))
      .map((l) => l.split(' ') as [string, string])
      .sort(),
  );
}

test('dnf/rpm: install, no-op second apply, >= upgrade, exact downgrade, epochs, latest, remove', async (t) => {
  const root = await rpmRoot(t);

  let doc = await documentIn(root, '    install:\n      cosi-hello: "1.0"\n      cosi-tool: "*"\n');
  const first = await cosi(root, 'plan', doc, '--detailed-exitcode');
  t.is(first.code, 2, first.stderr);
  t.regex(
    first.stdout,
    /one install transaction: cosi-hello=1\.0-1 cosi-tool=1:0\.9-1/,
    'the epoch makes 1:0.9 the newest',
  );
  const apply = await cosi(root, 'apply', '--auto-approve', doc);
  t.is(apply.code, 0, apply.stderr + apply.stdout);
  t.deepEqual(await installed(root), {'cosi-hello': '1.0-1', 'cosi-tool': '1:0.9-1'});

  const again = await cosi(root, 'plan', doc, '--detailed-exitcode');
  t.is(again.code, 0, again.stdout + again.stderr);
  const second = await cosi(root, 'apply', '--auto-approve', '--json', doc);
  t.is(second.code, 0, second.stderr);
  t.regex(second.stdout, /"applied":0/);

  // `>= 2.0` without a release: rpm's dependency rule; upgrades to the newest.
  doc = await documentIn(root, '    install:\n      cosi-hello: ">= 2.0"\n      cosi-tool: ">= 1:0.9"\n');
  const upgrade = await cosi(root, 'plan', doc, '--json');
  t.deepEqual(
    (JSON.parse(upgrade.stdout).changes as Array<{address: string; action: string; after: string}>).map((c) => [
      c.address,
      c.action,
      c.after,
    ]),
    [['package.cosi-hello', 'update', '3.0-1']],
  );
  t.is((await cosi(root, 'apply', '--auto-approve', doc)).code, 0);
  t.deepEqual(await installed(root), {'cosi-hello': '3.0-1', 'cosi-tool': '1:0.9-1'});

  // An exact pin below: a downgrade in one `dnf install`.
  doc = await documentIn(root, '    install:\n      cosi-hello: "2.0-1"\n');
  t.regex((await cosi(root, 'plan', doc)).stdout, /downgrade from 3\.0-1 to 2\.0-1/);
  const down = await cosi(root, 'apply', '--auto-approve', doc);
  t.is(down.code, 0, down.stderr + down.stdout);
  t.is((await installed(root))['cosi-hello'], '2.0-1');

  doc = await documentIn(root, '    install:\n      cosi-hello: latest\n');
  t.is((await cosi(root, 'apply', '--auto-approve', doc)).code, 0);
  t.is((await installed(root))['cosi-hello'], '3.0-1');
  t.is((await cosi(root, 'plan', doc, '--detailed-exitcode')).code, 0);

  doc = await documentIn(root, '    install: {}\n    remove: [cosi-hello]\n');
  const removal = await cosi(root, 'apply', '--auto-approve', doc);
  t.is(removal.code, 0, removal.stderr + removal.stdout);
  t.deepEqual(
    await installed(root),
    {'cosi-tool': '1:0.9-1'},
    'cosi-tool left the document: forgotten, still installed',
  );
  t.is((await cosi(root, 'plan', doc, '--detailed-exitcode')).code, 0);
});

test('dnf/rpm: a version nobody offers and an unknown package are plan errors', async (t) => {
  const root = await rpmRoot(t);
  const doc = await documentIn(root, '    install:\n      cosi-hello: ">= 4.0"\n      cosi-nosuch: "*"\n');
  const plan = await cosi(root, 'plan', doc);
  t.is(plan.code, 1);
  t.regex(
    plan.stderr,
    /doc\.yaml:8:7: error: package cosi-hello: no configured repository offers a version matching ">= 4\.0"; on offer: 3\.0-1, 2\.0-1, 1\.0-1/,
  );
  t.regex(plan.stderr, /doc\.yaml:9:7: error: package cosi-nosuch is unknown to dnf/);
  t.deepEqual(await installed(root), {});
});

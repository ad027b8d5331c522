import {writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import test from 'ava';
import {createDebianRoot, repoRoot, run, type DebianRoot, type Exit} from '../lib/debian-root.js';

// Real groupadd, gpasswd and groupdel (Debian 12's passwd package) in a throw-away Debian root (mmdebstrap, cached),
// driven through the real CLI with `--root`; grpck, the shadow suite's own checker, reads the result.

function cosi(root: DebianRoot, ...args: string[]): Promise<Exit> {
  return run([process.execPath, join(repoRoot, 'bin/cosi.js'), ...args, '--root', root.dir, '--no-color']);
}

async function documentIn(root: DebianRoot, name: string, groups: string): Promise<string> {
  const file = join(root.dir, `${name}.yaml`);
  await writeFile(file, `apiVersion: cosi.dev/v1alpha1\nkind: NodeConfig\nmetadata: {name: groups}\nspec:\n${groups}`);
  return file;
}

async function getent(root: DebianRoot, group: string): Promise<string> {
  return (await root.chroot(['getent', 'group', group])).stdout.trim();
}

test('groups created, members added and removed, and restored by the real shadow tools under --root', async (t) => {
  const started = Date.now();
  const root = await createDebianRoot({suite: 'bookworm', variant: 'apt', include: []});
  t.teardown(() => root.dispose());
  for (const user of ['alice', 'bob']) t.is((await root.chroot(['useradd', '--no-create-home', user])).code, 0);
  const before = {group: await root.chroot(['cat', '/etc/group']), gshadow: await root.chroot(['cat', '/etc/gshadow'])};
  const staff = await getent(root, 'staff');
  t.regex(staff, /^staff:x:50:$/);

  const doc = await documentIn(
    root,
    'node',
    '  groups:\n    cri-users: {members: [alice]}\n    builders: {gid: 1500, members: [alice, bob]}\n    staff: {members: [bob]}\n',
  );
  const planned = await cosi(root, 'plan', '--json', doc);
  t.is(planned.code, 0, planned.stderr);
  const changes = (
    JSON.parse(planned.stdout) as {changes: Array<{address: string; action: string; after: {gid: number}}>}
  ).changes;
  t.deepEqual(
    changes.map((c) => [c.address, c.action]),
    [
      ['group.builders', 'create'],
      ['group.cri-users', 'create'],
      ['group.staff', 'create'],
    ],
  );
  const gid = changes.find((c) => c.address === 'group.cri-users')!.after.gid;
  t.true(gid >= 100 && gid <= 999, `a system gid: ${gid}`);

  const applied = await cosi(root, 'apply', '--auto-approve', doc);
  t.is(applied.code, 0, applied.stderr + applied.stdout);
  t.is(await getent(root, 'cri-users'), `cri-users:x:${gid}:alice`);
  t.is(await getent(root, 'builders'), 'builders:x:1500:alice,bob');
  t.is(await getent(root, 'staff'), 'staff:x:50:bob');
  const grpck = await root.chroot(['grpck', '-r']);
  t.is(grpck.code, 0, `grpck: ${grpck.stdout}${grpck.stderr}`);
  t.regex(
    (await root.chroot(['grep', '^cri-users:', '/etc/gshadow'])).stdout,
    /^cri-users:!:*:alice$/m,
    'gshadow has the member too',
  );
  const again = await cosi(root, 'plan', '--detailed-exitcode', doc);
  t.is(again.code, 0, again.stdout + again.stderr);

  const clash = await documentIn(root, 'clash', '  groups:\n    other:\n      gid: 1500\n');
  const clashing = await cosi(root, 'plan', clash);
  t.is(clashing.code, 1);
  t.regex(clashing.stderr, /clash\.yaml:7:\d+: error: gid 1500 of group other is taken by group builders/);

  const removed = await documentIn(root, 'removed', '  {}\n');
  const removal = await cosi(root, 'apply', '--auto-approve', removed);
  t.is(removal.code, 0, removal.stderr + removal.stdout);
  t.is(
    (await root.chroot(['cat', '/etc/group'])).stdout,
    before.group.stdout,
    '/etc/group is as cosi found it: its groups deleted, bob out of staff',
  );
  t.is((await root.chroot(['cat', '/etc/gshadow'])).stdout, before.gshadow.stdout, 'and /etc/gshadow');
  t.log(`suite: ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

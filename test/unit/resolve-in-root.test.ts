import test from 'ava';
import {mkdirSync, readFileSync, symlinkSync, unlinkSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {createHost} from '../../src/host/host.js';
import {resolveInRoot} from '../../src/host/resolve-in-root.js';
import {createFixtureRoot} from '../lib/fixture-root.js';

/** A root with relative, absolute, escaping and looping links. */
async function linkedRoot() {
  const root = await createFixtureRoot({'/usr/lib/sysctl.d/10-a.conf': 'x\n', '/etc/hosts': 'h\n'});
  mkdirSync(join(root.dir, 'etc/sysctl.d'), {recursive: true});
  symlinkSync('/usr/lib', join(root.dir, 'lib'));
  symlinkSync('../usr/lib/sysctl.d', join(root.dir, 'etc/vendor'));
  symlinkSync('../../../../../../../etc', join(root.dir, 'usr/escape'));
  symlinkSync('/dev/null', join(root.dir, 'etc/sysctl.d/masked.conf'));
  symlinkSync('loop-b', join(root.dir, 'etc/loop-a'));
  symlinkSync('loop-a', join(root.dir, 'etc/loop-b'));
  return root;
}

const cases: Array<[string, string]> = [
  ['/etc/hosts', '/etc/hosts'],
  ['/etc/missing/file', '/etc/missing/file'],
  ['/lib/sysctl.d/10-a.conf', '/usr/lib/sysctl.d/10-a.conf'],
  ['/etc/vendor/10-a.conf', '/usr/lib/sysctl.d/10-a.conf'],
  ['/usr/escape/hosts', '/etc/hosts'],
  ['/etc/sysctl.d/masked.conf', '/dev/null'],
  ['/etc/../../../etc/./hosts', '/etc/hosts'],
  ['/lib/../etc/hosts', '/etc/hosts'],
  ['/', '/'],
];

for (const [nodePath, expected] of cases) {
  test(`resolveInRoot: ${nodePath} is ${expected} inside the root`, async (t) => {
    const root = await linkedRoot();
    t.teardown(() => root.cleanup());
    t.is(resolveInRoot(root.dir, nodePath), `${root.dir}${expected}`);
    t.is(resolveInRoot(root.dir, nodePath, new Map()), `${root.dir}${expected}`);
  });
}

test('resolveInRoot: a symlink loop is an error naming the path', async (t) => {
  const root = await linkedRoot();
  t.teardown(() => root.cleanup());
  t.throws(() => resolveInRoot(root.dir, '/etc/loop-a/x'), {
    message: /too many levels of symbolic links in \/etc\/loop-a\/x/,
  });
});

test('resolveInRoot: the root / is the node path itself', (t) => {
  t.is(resolveInRoot('/', '/etc/../etc/hosts'), '/etc/hosts');
});

test('resolveInRoot: the cache keeps its answers until cleared', async (t) => {
  const root = await linkedRoot();
  t.teardown(() => root.cleanup());
  const cache = new Map<string, string | undefined>();
  t.is(resolveInRoot(root.dir, '/lib/sysctl.d', cache), `${root.dir}/usr/lib/sysctl.d`);
  unlinkSync(join(root.dir, 'lib'));
  t.is(resolveInRoot(root.dir, '/lib/sysctl.d', cache), `${root.dir}/usr/lib/sysctl.d`);
  cache.clear();
  t.is(resolveInRoot(root.dir, '/lib/sysctl.d', cache), `${root.dir}/lib/sysctl.d`);
});

test('host.readText under a root: linked directories and files are followed inside the root, never out of it', async (t) => {
  const root = await linkedRoot();
  t.teardown(() => root.cleanup());
  symlinkSync('/etc/hosts', join(root.dir, 'etc/sysctl.d/absolute.conf'));
  symlinkSync('../hosts', join(root.dir, 'etc/sysctl.d/relative.conf'));
  mkdirSync(join(root.dir, 'dev'));
  writeFileSync(join(root.dir, 'dev/null'), 'inside the root\n');
  const host = createHost({root: root.dir});
  t.is(await host.readText('/lib/sysctl.d/10-a.conf'), 'x\n');
  t.is(await host.readText('/etc/vendor/10-a.conf'), 'x\n');
  t.is(await host.readText('/usr/escape/hosts'), 'h\n');
  t.is(await host.readText('/etc/sysctl.d/absolute.conf'), 'h\n');
  t.is(await host.readText('/etc/sysctl.d/relative.conf'), 'h\n');
  t.is(await host.readText('/etc/sysctl.d/masked.conf'), 'inside the root\n');
  t.is(await host.readText('/etc/sysctl.d/missing.conf'), undefined);
  await t.throwsAsync(host.readText('/etc/loop-a'), {message: /too many levels of symbolic links/});
});

test('host.readText under a root: a write forgets the directories it resolved', async (t) => {
  const root = await linkedRoot();
  t.teardown(() => root.cleanup());
  const host = createHost({root: root.dir});
  t.is(await host.readText('/lib/sysctl.d/10-a.conf'), 'x\n');
  unlinkSync(join(root.dir, 'lib'));
  await host.writeAtomic('/lib/sysctl.d/10-a.conf', 'own\n');
  t.is(await host.readText('/lib/sysctl.d/10-a.conf'), 'own\n');
  t.is(readFileSync(join(root.dir, 'usr/lib/sysctl.d/10-a.conf'), 'utf8'), 'x\n');
});

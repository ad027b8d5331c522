import test from 'ava';
import {spawn} from 'node:child_process';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {createHost} from '../../src/host/host.js';
import {RootFs} from '../../src/host/root-fs.js';
import {createFixtureRoot} from '../lib/fixture-root.js';

/** A root, and a directory outside it that must never be written. */
async function rootAndOutside(t: {teardown(fn: () => unknown): void}) {
  const root = await createFixtureRoot({
    '/etc/shadow': 'root:*:1::::::\n',
    '/etc/passwd': 'root:x:0:0::/root:/bin/sh\n',
  });
  const outside = mkdtempSync(join(tmpdir(), 'cosi-outside-'));
  writeFileSync(join(outside, 'victim'), 'outside\n');
  t.teardown(() => {
    rmSync(outside, {recursive: true, force: true});
    return root.cleanup();
  });
  return {root, outside};
}

test('a managed file that is a symlink is replaced, never written through (absolute and relative, in and out of the root)', async (t) => {
  const {root, outside} = await rootAndOutside(t);
  const host = createHost({root: root.dir});
  mkdirSync(join(root.dir, 'etc/sysctl.d'), {recursive: true});
  mkdirSync(join(root.dir, 'etc/cni/net.d'), {recursive: true});
  symlinkSync('/etc/passwd', join(root.dir, 'etc/sysctl.d/90-cosi.conf'));
  symlinkSync('/etc/shadow', join(root.dir, 'etc/cni/net.d/10-pods.conflist'));
  symlinkSync(`../../../../../../../../..${outside}/victim`, join(root.dir, 'etc/cni/net.d/20-out.conflist'));
  for (const file of [
    '/etc/sysctl.d/90-cosi.conf',
    '/etc/cni/net.d/10-pods.conflist',
    '/etc/cni/net.d/20-out.conflist',
  ]) {
    t.true(await host.writeAtomic(file, 'cosi\n'), file);
    t.true(lstatSync(join(root.dir, file)).isFile(), `${file} is a regular file now`);
    t.is(readFileSync(join(root.dir, file), 'utf8'), 'cosi\n');
  }
  t.is(readFileSync(join(root.dir, 'etc/passwd'), 'utf8'), 'root:x:0:0::/root:/bin/sh\n');
  t.is(readFileSync(join(root.dir, 'etc/shadow'), 'utf8'), 'root:*:1::::::\n');
  t.is(readFileSync(join(outside, 'victim'), 'utf8'), 'outside\n');
});

test('a removal never follows a link: the link goes, its target stays', async (t) => {
  const {root, outside} = await rootAndOutside(t);
  const host = createHost({root: root.dir});
  mkdirSync(join(root.dir, 'etc/cni/net.d'), {recursive: true});
  symlinkSync('/etc/shadow', join(root.dir, 'etc/cni/net.d/99-foreign.conflist'));
  symlinkSync(`${outside}/victim`, join(root.dir, 'etc/cni/net.d/98-foreign.conflist'));
  t.true(await host.remove('/etc/cni/net.d/99-foreign.conflist'));
  t.true(await host.remove('/etc/cni/net.d/98-foreign.conflist'));
  t.deepEqual(readdirSync(join(root.dir, 'etc/cni/net.d')), []);
  t.is(readFileSync(join(root.dir, 'etc/shadow'), 'utf8'), 'root:*:1::::::\n');
  t.is(readFileSync(join(outside, 'victim'), 'utf8'), 'outside\n');
});

test('directories that are symlinks are resolved inside the root, for reads and writes', async (t) => {
  const {root, outside} = await rootAndOutside(t);
  const host = createHost({root: root.dir});
  mkdirSync(join(root.dir, 'etc/cni'), {recursive: true});
  symlinkSync(outside, join(root.dir, 'etc/cni/net.d'));
  t.is(await host.readText('/etc/cni/net.d/victim'), undefined, 'the outside file is not read');
  await host.writeAtomic('/etc/cni/net.d/10-pods.conflist', '{}\n');
  t.is(
    readFileSync(join(root.dir, outside, '10-pods.conflist'), 'utf8'),
    '{}\n',
    'written at the link target inside the root',
  );
  t.deepEqual(readdirSync(outside), ['victim']);
  symlinkSync('../../../../../../../../../../..', join(root.dir, 'up'));
  t.is(await host.readText('/up/etc/passwd'), 'root:x:0:0::/root:/bin/sh\n', '.. stops at the root');
  await host.ensureDir('/up/var/lib/cosi', 0o700);
  t.true(lstatSync(join(root.dir, 'var/lib/cosi')).isDirectory());
});

test('reads below a cached directory: sibling directories opened from it, a sibling that is a link resolved inside the root', async (t) => {
  const {root, outside} = await rootAndOutside(t);
  const fs = new RootFs(root.dir);
  t.teardown(() => fs.forget());
  for (let i = 0; i < 300; i++) {
    mkdirSync(join(root.dir, `proc/sys/net/ipv4/conf/eth${i}`), {recursive: true});
    writeFileSync(join(root.dir, `proc/sys/net/ipv4/conf/eth${i}/forwarding`), `${i % 2}\n`);
  }
  // A sibling that is a link to outside the root, read after its parent is cached: the target is taken inside it.
  symlinkSync(outside, join(root.dir, 'proc/sys/net/ipv4/conf/evil'));
  mkdirSync(join(root.dir, outside), {recursive: true});
  writeFileSync(join(root.dir, outside, 'victim'), 'inside\n');
  for (let i = 0; i < 300; i++) t.is(fs.readText(`/proc/sys/net/ipv4/conf/eth${i}/forwarding`), `${i % 2}\n`);
  t.is(fs.readText('/proc/sys/net/ipv4/conf/evil/victim'), 'inside\n', 'the link resolved inside the root');
  t.is(fs.readText('/proc/sys/net/ipv4/conf/missing/forwarding'), undefined);
  // A directory swapped for a link after its parent was cached is resolved inside the root too.
  rmSync(join(root.dir, 'proc/sys/net/ipv4/conf/eth299'), {recursive: true});
  symlinkSync(outside, join(root.dir, 'proc/sys/net/ipv4/conf/eth299'));
  fs.forget();
  t.is(fs.readText('/proc/sys/net/ipv4/conf/eth298/forwarding'), '0\n');
  t.is(fs.readText('/proc/sys/net/ipv4/conf/eth299/victim'), 'inside\n');
});

test('kernel files are written in place and never created; a missing one is an error', async (t) => {
  const root = await createFixtureRoot({'/proc/sys/vm/swappiness': '60\n'});
  t.teardown(() => root.cleanup());
  const host = createHost({root: root.dir});
  await host.writeKernel('/proc/sys/vm/swappiness', '10');
  t.is(readFileSync(join(root.dir, 'proc/sys/vm/swappiness'), 'utf8'), '10');
  await t.throwsAsync(host.writeKernel('/proc/sys/vm/nope', '1'), {code: 'ENOENT'} as never);
  t.throws(() => lstatSync(join(root.dir, 'proc/sys/vm/nope')));
});

test('temporary files of a write killed before its rename are cleaned by the next write', async (t) => {
  const root = await createFixtureRoot({'/etc/sysctl.d/90-cosi.conf': 'a = 1\n'});
  t.teardown(() => root.cleanup());
  // A PID that is not running: the highest possible one.
  const dead = 4194304;
  writeFileSync(join(root.dir, `etc/sysctl.d/.90-cosi.conf.cosi-${dead}-0123abcd`), 'half');
  writeFileSync(join(root.dir, `etc/sysctl.d/.90-cosi.conf.cosi-${process.pid}-0123abcd`), 'mine, in progress');
  await createHost({root: root.dir}).writeAtomic('/etc/sysctl.d/90-cosi.conf', 'a = 2\n');
  t.deepEqual(readdirSync(join(root.dir, 'etc/sysctl.d')).sort(), [
    `.90-cosi.conf.cosi-${process.pid}-0123abcd`,
    '90-cosi.conf',
  ]);
});

test('temporary files of a dead write are cleaned by the next removal in the directory too', async (t) => {
  const root = await createFixtureRoot({'/var/lib/cosi/journal.jsonl': '{}\n'});
  t.teardown(() => root.cleanup());
  writeFileSync(join(root.dir, 'var/lib/cosi/.state.json.cosi-4194304-0123abcd'), '{"vers');
  t.true(await createHost({root: root.dir}).remove('/var/lib/cosi/journal.jsonl'));
  t.deepEqual(readdirSync(join(root.dir, 'var/lib/cosi')), []);
});

test('a crash between fsync and rename leaves the old file whole and no partial one', async (t) => {
  const root = await createFixtureRoot({'/etc/x.conf': 'old\n'});
  t.teardown(() => root.cleanup());
  const files = new RootFs(root.dir);
  t.throws(
    () =>
      files.writeAtomic('/etc/x.conf', Buffer.from('new\n'), {
        beforeRename: () => {
          throw new Error('crash');
        },
      }),
    {message: 'crash'},
  );
  t.is(readFileSync(join(root.dir, 'etc/x.conf'), 'utf8'), 'old\n');
  t.deepEqual(readdirSync(join(root.dir, 'etc')), ['x.conf']);
});

test('a symlink loop and a file used as a directory are errors, not hangs', async (t) => {
  const root = await createFixtureRoot({'/etc/file': 'x'});
  t.teardown(() => root.cleanup());
  symlinkSync('b', join(root.dir, 'etc/a'));
  symlinkSync('a', join(root.dir, 'etc/b'));
  const host = createHost({root: root.dir});
  await t.throwsAsync(host.readText('/etc/a/x'), {code: 'ELOOP'} as never);
  await t.throwsAsync(host.writeAtomic('/etc/file/x', 'y'), {code: 'ENOTDIR'} as never);
  t.is(readlinkSync(join(root.dir, 'etc/a')), 'b');
});

/**
 * The directory-swap race: a process exchanges a real directory with a symlink to an outside directory as fast as it
 * can (renameat2 RENAME_EXCHANGE, through python3's ctypes) while cosi writes into it 500 times.
 */
test('a directory swapped for a symlink during 500 writes never gets a file written outside the root', async (t) => {
  const {root, outside} = await rootAndOutside(t);
  mkdirSync(join(root.dir, 'etc/cni/net.d'), {recursive: true});
  symlinkSync(outside, join(root.dir, 'etc/cni/swap'));
  const swapper = spawn(
    'python3',
    [
      '-c',
      `
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
a, b = sys.argv[1].encode(), sys.argv[2].encode()
AT_FDCWD, RENAME_EXCHANGE = -100, 2
while True:
    libc.renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE)
`,
      join(root.dir, 'etc/cni/net.d'),
      join(root.dir, 'etc/cni/swap'),
    ],
    {stdio: 'ignore'},
  );
  t.teardown(() => swapper.kill('SIGKILL'));
  await new Promise((resolve) => setTimeout(resolve, 200));
  const host = createHost({root: root.dir});
  let written = 0;
  for (let i = 0; i < 500; i++) {
    try {
      await host.writeAtomic('/etc/cni/net.d/10-pods.conflist', `{"n": ${i}}\n`);
      await host.remove('/etc/cni/net.d/10-pods.conflist');
      written++;
    } catch {
      // A component that was mid-swap: an error is fine, a write outside is not.
    }
  }
  swapper.kill('SIGKILL');
  t.log(`${written} of 500 write+remove rounds completed during the swaps`);
  t.true(written > 0);
  t.deepEqual(readdirSync(outside), ['victim'], 'nothing written outside the root');
  t.is(readFileSync(join(outside, 'victim'), 'utf8'), 'outside\n');
});

test('beneath: the confining directory may be a link, but no component below it may be one', async (t) => {
  const {root} = await rootAndOutside(t);
  mkdirSync(join(root.dir, 'data/seccomp/cosi'), {recursive: true});
  mkdirSync(join(root.dir, 'var/lib/kubelet'), {recursive: true});
  symlinkSync('/data/seccomp', join(root.dir, 'var/lib/kubelet/seccomp'));
  const host = createHost({root: root.dir});
  const dir = '/var/lib/kubelet/seccomp';
  t.true(await host.writeAtomic(`${dir}/cosi/a.json`, '{}\n', {beneath: dir}));
  t.is(readFileSync(join(root.dir, 'data/seccomp/cosi/a.json'), 'utf8'), '{}\n', 'written through the dir link');
  t.true(await host.writeAtomic(`${dir}/new/sub/b.json`, '{}\n', {beneath: dir}), 'missing dirs are made');
  symlinkSync('/etc', join(root.dir, 'data/seccomp/etc-link'));
  const refused = await t.throwsAsync(host.writeAtomic(`${dir}/etc-link/passwd`, 'pwned\n', {beneath: dir}));
  t.regex(refused!.message, /symbolic link/);
  t.is(readFileSync(join(root.dir, 'etc/passwd'), 'utf8'), 'root:x:0:0::/root:/bin/sh\n');
  await t.throwsAsync(host.remove(`${dir}/etc-link/passwd`, {beneath: dir}), {message: /symbolic link/});
  t.true(lstatSync(join(root.dir, 'etc/passwd')).isFile(), 'a removal below a link is refused too');
  t.true(await host.remove(`${dir}/cosi/a.json`, {beneath: dir}));
  await t.throwsAsync(host.writeAtomic('/etc/passwd', 'x\n', {beneath: dir}), {message: /not below/});
});

test('beneath: a subdirectory swapped for a link to elsewhere in the root during 500 writes is never written through', async (t) => {
  const {root} = await rootAndOutside(t);
  mkdirSync(join(root.dir, 'seccomp/cosi'), {recursive: true});
  // The swap target is inside the root: RESOLVE_IN_ROOT alone would follow it there; beneath must not.
  mkdirSync(join(root.dir, 'etc/victim'), {recursive: true});
  symlinkSync('/etc/victim', join(root.dir, 'seccomp/swap'));
  const swapper = spawn(
    'python3',
    [
      '-c',
      `
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
a, b = sys.argv[1].encode(), sys.argv[2].encode()
while True:
    libc.renameat2(-100, a, -100, b, 2)
`,
      join(root.dir, 'seccomp/cosi'),
      join(root.dir, 'seccomp/swap'),
    ],
    {stdio: 'ignore'},
  );
  t.teardown(() => swapper.kill('SIGKILL'));
  await new Promise((resolve) => setTimeout(resolve, 200));
  const host = createHost({root: root.dir});
  let written = 0;
  let refused = 0;
  for (let i = 0; i < 500; i++) {
    for (const step of [
      () => host.writeAtomic('/seccomp/cosi/p.json', `{"n": ${i}}\n`, {beneath: '/seccomp'}),
      () => host.remove('/seccomp/cosi/p.json', {beneath: '/seccomp'}),
    ]) {
      try {
        await step();
        written++;
      } catch {
        // Refused mid-swap: fine; a write into /etc/victim is not.
        refused++;
      }
    }
  }
  swapper.kill('SIGKILL');
  t.log(`${written} writes and removals done and ${refused} refused during the swaps`);
  t.true(written > 0 && refused > 0, 'the swaps raced the writes');
  t.deepEqual(readdirSync(join(root.dir, 'etc/victim')), [], 'nothing written through the link');
});

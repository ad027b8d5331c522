import {writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import test from 'ava';
import {createDebianRoot, repoRoot, run, type DebianRoot, type Exit} from '../lib/debian-root.js';

// Swap in a throw-away Debian 12 root with systemd (mmdebstrap, cached), systemd not running there: the unit names
// cosi computes for fstab entries are the ones Debian's own systemd-fstab-generator writes, and the masks are made by
// the real `systemctl mask` offline (chrooted). Nothing touches this machine's swap: /proc/swaps of the root is the
// host's, so the document is planned only; the masks are applied through a root without swap in /proc.

function cosi(root: DebianRoot, ...args: string[]): Promise<Exit> {
  return run([process.execPath, join(repoRoot, 'bin/cosi.js'), ...args, '--root', root.dir, '--no-color']);
}

const fstab = `# /etc/fstab: static file system information.
UUID=6f1c2b9e-1d2a-4c3b-9e8f-0a1b2c3d4e5f none swap sw 0 0
LABEL=swap\\040two none swap sw,pri=5 0 0
/var/swapfile none swap sw 0 0
/dev/vdc none swap noauto 0 0
`;

test('fstab swap entries: the unit names systemd-fstab-generator writes, masked by the real systemctl offline and unmasked on removal', async (t) => {
  const started = Date.now();
  const root = await createDebianRoot({suite: 'bookworm', variant: 'apt', include: ['systemd']});
  t.teardown(() => root.dispose());
  await root.write('/etc/fstab', fstab);
  const generated = await root.chroot([
    'sh',
    '-c',
    'mkdir -p /tmp/gen /tmp/early /tmp/late && /lib/systemd/system-generators/systemd-fstab-generator /tmp/gen /tmp/early /tmp/late && cd /tmp/gen && ls *.swap',
  ]);
  t.is(generated.code, 0, generated.stderr);
  const generatorUnits = generated.stdout.trim().split('\n').sort();
  t.is(generatorUnits.length, 4, `one unit per swap entry, noauto included: ${generatorUnits.join(' ')}`);

  // The root's /proc is this machine's: replace it (for cosi only) by a root with no swap on, same files otherwise.
  await root.chroot(['umount', '/proc']);
  await root.write('/proc/swaps', 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n');
  const doc = join(root.dir, 'node.yaml');
  await writeFile(
    doc,
    'apiVersion: cosi.dev/v1alpha1\nkind: NodeConfig\nmetadata: {name: swap}\nspec:\n  swap: {enabled: false}\n',
  );
  const planned = await cosi(root, 'plan', '--json', doc);
  t.is(planned.code, 0, planned.stderr);
  const change = (
    JSON.parse(planned.stdout) as {changes: Array<{address: string; data?: unknown; after: {masked: string[]}}>}
  ).changes[0]!;
  const masked = change.after.masked;
  t.deepEqual(
    masked,
    generatorUnits.filter((u) => u !== 'dev-vdc.swap'),
    'every unit the generator pulls in at boot, by its own name; noauto left alone',
  );

  const applied = await cosi(root, 'apply', '--auto-approve', doc);
  t.is(applied.code, 0, applied.stderr + applied.stdout);
  for (const unit of masked) {
    t.is((await root.chroot(['readlink', `/etc/systemd/system/${unit}`])).stdout.trim(), '/dev/null', `${unit} masked`);
    t.is(
      (await root.chroot(['systemctl', 'is-enabled', unit])).stdout.trim(),
      'masked',
      `systemctl reads ${unit} as masked`,
    );
  }
  t.is((await root.chroot(['cat', '/etc/fstab'])).stdout, fstab, 'fstab untouched');
  t.is((await cosi(root, 'plan', '--detailed-exitcode', doc)).code, 0, 'nothing more to do');

  await writeFile(doc, 'apiVersion: cosi.dev/v1alpha1\nkind: NodeConfig\nmetadata: {name: swap}\nspec: {}\n');
  const removal = await cosi(root, 'apply', '--auto-approve', doc);
  t.is(removal.code, 0, removal.stderr + removal.stdout);
  t.is(
    (await root.chroot(['sh', '-c', 'ls /etc/systemd/system/*.swap 2>/dev/null | wc -l'])).stdout.trim(),
    '0',
    'unmasked: the masks are gone',
  );
  await root.chroot(['mount', '-t', 'proc', 'proc', '/proc']);
  t.log(`suite: ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

import {writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import test from 'ava';
import {createDebianRoot, repoRoot, run, type DebianRoot, type Exit} from '../lib/debian-root.js';

// The initramfs rebuild under --root, against Debian's real initramfs-tools: a throw-away Debian 12 root with
// linux-image-amd64 (mmdebstrap, cached), whose initramfs Debian's own hook built with its default MODULES=most.
// cosi runs `update-initramfs -u -k all` chrooted into the root, as every command under --root, and the rebuilt image
// is read back with Debian's own unmkinitramfs and lsinitramfs. This machine's kernel is never touched: the root's
// /proc is replaced by a few files (no module loaded, the root's kernel version), so nothing is loaded or unloaded.

function cosi(root: DebianRoot, ...args: string[]): Promise<Exit> {
  return run([process.execPath, join(repoRoot, 'bin/cosi.js'), ...args, '--root', root.dir, '--no-color']);
}

const document = `apiVersion: cosi.dev/v1alpha1
kind: NodeConfig
metadata: {name: initramfs}
spec:
  modules:
    floppy: {state: blocked}
`;

test("a blocked module rebuilds the root's own initramfs with update-initramfs (chrooted); the image holds cosi.conf; a second plan is empty", async (t) => {
  t.timeout(30 * 60_000);
  const started = Date.now();
  const root = await createDebianRoot({suite: 'bookworm', variant: 'apt', include: ['linux-image-amd64']});
  t.teardown(() => root.dispose());
  const kernel = (await root.chroot(['ls', '/lib/modules'])).stdout.trim();
  t.regex(kernel, /^\d+\.\d+\.\d+-\d+-amd64$/, 'one kernel in the root');
  const image = `/boot/initrd.img-${kernel}`;
  t.regex((await root.chroot(['cat', '/etc/initramfs-tools/initramfs.conf'])).stdout, /^MODULES=most$/m);
  const before = await root.chroot(['lsinitramfs', image]);
  t.is(before.code, 0, before.stderr);
  t.regex(before.stdout, /\/floppy\.ko/, "Debian's initramfs carries floppy.ko");
  t.notRegex(before.stdout, /etc\/modprobe\.d\/cosi\.conf/);

  // No module loaded, the root's own kernel: cosi plans files and the rebuild, nothing live.
  const unmounted = await run(['umount', '-l', join(root.dir, 'proc')]);
  t.is(unmounted.code, 0, unmounted.stderr);
  await root.write('/proc/modules', '');
  await root.write('/proc/sys/kernel/osrelease', `${kernel}\n`);
  await root.write('/proc/cmdline', `BOOT_IMAGE=/boot/vmlinuz-${kernel} root=/dev/vda1 ro\n`);
  const doc = join(root.dir, 'node.yaml');
  await writeFile(doc, document);

  const facts = await cosi(root, 'facts', '--json');
  t.is(facts.code, 0, facts.stderr);
  t.deepEqual((JSON.parse(facts.stdout) as {module: {initramfs: unknown}}).module.initramfs, {
    tool: 'update-initramfs',
    images: [image],
    rebuild: 'update-initramfs -u -k all',
  });

  const planned = await cosi(root, 'plan', '--json', doc);
  t.is(planned.code, 0, planned.stderr);
  const plan = JSON.parse(planned.stdout) as {
    changes: Array<{address: string; action: string; disruption: string; dependsOn: string[]}>;
  };
  t.deepEqual(
    plan.changes.map((c) => [c.address, c.action, c.disruption]),
    [
      ['module.floppy', 'create', 'none'],
      ['module.initramfs', 'create', 'none'],
    ],
  );
  t.deepEqual(plan.changes[1]!.dependsOn, ['module.floppy']);

  const applyStarted = Date.now();
  const applied = await cosi(root, 'apply', '--auto-approve', doc);
  t.is(applied.code, 0, applied.stderr + applied.stdout);
  t.log(`apply with update-initramfs (MODULES=most, chrooted): ${((Date.now() - applyStarted) / 1000).toFixed(1)} s`);

  const out = '/tmp/cosi-unmkinitramfs';
  const unpacked = await root.chroot([
    'sh',
    '-c',
    'rm -rf "$2" && unmkinitramfs "$1" "$2" && find "$2" -path "*/etc/modprobe.d/cosi.conf" -exec cat {} +',
    'sh',
    image,
    out,
  ]);
  t.is(unpacked.code, 0, unpacked.stderr);
  t.regex(
    unpacked.stdout,
    /^blacklist floppy\ninstall floppy \/bin\/false\n/m,
    "unmkinitramfs: the image holds cosi's lines",
  );
  t.regex((await root.chroot(['lsinitramfs', image])).stdout, /\/floppy\.ko/, 'and still floppy.ko (MODULES=most)');

  const again = await cosi(root, 'plan', '--detailed-exitcode', doc);
  t.is(again.code, 0, `a second plan is empty: ${again.stdout}`);
  t.regex(again.stdout, /No changes\. The node matches the configuration\./);
  t.log(`suite: ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

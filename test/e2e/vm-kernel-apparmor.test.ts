// Kernel arguments and AppArmor profiles on a real Debian 12 node that boots through GRUB from its own disk
// (grubRecipe: Debian's grub-pc, kernel, initramfs and apparmor). One VM session, two reboots: an argument added
// through /etc/default/grub.d/90-cosi.cfg and update-grub is on /proc/cmdline after the reboot, and gone after the
// reboot that follows its removal; a profile in enforce mode denies a confined process the file it names, still does
// after the reboot (Debian's apparmor.service loads /etc/apparmor.d), and is unloaded when removed; a profile with a
// syntax error is a plan error at its line of the document (docs/kernel-apparmor.md, docs/testing-vm.md).
// The same boots hold the initramfs check of issue 13: the node keeps Debian's MODULES=most, so the initramfs that
// its own initramfs-tools built carries floppy.ko and a copy of /etc/modprobe.d, and its udev loads floppy (qemu's
// PC machine has the floppy controller) before the root's blacklist is read. Blocking floppy takes one apply, which
// rebuilds the initramfs (module.initramfs); after each of the two reboots floppy is not loaded and the plan is
// empty (docs/modules.md).
import test from 'ava';
import {grubRecipe} from '../lib/vm/image-recipe.js';
import {bootNode, cosi, planJson, sh} from '../lib/vm/node-session.js';
import type {Vm} from '../lib/vm/vm.js';

const documentPath = '/root/node.yaml';
const header = 'apiVersion: cosi.dev/v1alpha1\nkind: NodeConfig\nmetadata:\n  name: vm-kernel-apparmor\n';
const profile = (rule: string) => `#include <tunables/global>
        profile cosi-deny {
          #include <abstractions/base>
          /{usr/,}bin/cat mr,
          /root/ r,
          /root/** r,
          ${rule}
        }`;
const withBoth = `${header}spec:
  modules:
    floppy: { state: blocked }
  kernel:
    args: [cosi.vmtest=1]
  apparmor:
    profiles:
      cosi-deny: |
        ${profile('deny /root/secret r,')}
`;
// The rule without its comma: apparmor_parser stops at the next line, the profile's `}` (YAML line 20).
const broken = withBoth.replace('deny /root/secret r,', 'deny /root/secret r');
// The removal keeps floppy blocked: one initramfs rebuild per suite is what CI can afford under TCG.
const withNeither = `${header}spec:\n  modules:\n    floppy: { state: blocked }\n`;

/** floppyState says whether floppy is loaded now (`/sys/module/floppy`, /proc/modules). */
async function floppyLoaded(vm: Vm): Promise<boolean> {
  const listed = /^floppy /m.test(await vm.readFile('/proc/modules'));
  const sys = (await vm.run(['test', '-e', '/sys/module/floppy'])).exitCode === 0;
  return listed && sys;
}

/** initramfsCosiConf is the content of etc/modprobe.d/cosi.conf inside the running kernel's initramfs, or ''. */
async function initramfsCosiConf(vm: Vm): Promise<string> {
  return sh(
    vm,
    'd=$(mktemp -d) && unmkinitramfs /boot/initrd.img-$(uname -r) "$d" && { find "$d" -path "*/etc/modprobe.d/cosi.conf" -exec cat {} +; rm -rf "$d"; }',
  );
}

test('kernel arguments through GRUB, AppArmor profiles and a module blocked in the initramfs, across reboots', async (t) => {
  // ava's 20 minutes between results are not enough on a loaded machine: the MODULES=most rebuild alone took over
  // 20 minutes under TCG with five VMs on two cores (docs/testing-vm.md).
  t.timeout(60 * 60_000);
  const started = Date.now();
  const vm = await bootNode(t, {recipe: grubRecipe});
  const cmdline = async () => (await vm.readFile('/proc/cmdline')).trim();
  t.notRegex(await cmdline(), /cosi\.vmtest=1/);
  t.regex(
    await cmdline(),
    /^BOOT_IMAGE=\/boot\/vmlinuz-\S+ root=UUID=/,
    'booted through GRUB (its BOOT_IMAGE= and root=UUID=)',
  );
  await sh(vm, 'echo secret > /root/secret && echo allowed > /root/allowed');
  // The node as Debian makes it: MODULES=most, the initramfs built by the guest's initramfs-tools, floppy.ko in it,
  // and floppy loaded at boot.
  t.regex(await vm.readFile('/etc/initramfs-tools/initramfs.conf'), /^MODULES=most$/m);
  t.regex(
    await sh(vm, 'lsinitramfs /boot/initrd.img-$(uname -r) | grep -E "/floppy\\.ko|etc/modprobe\\.d/cosi" || true'),
    /\/floppy\.ko/,
    'the initramfs carries floppy.ko',
  );
  t.true(await floppyLoaded(vm), 'floppy is loaded at boot');

  const facts = JSON.parse((await cosi(t, vm, 'facts', '--json')).stdout) as {
    facts: Record<string, Record<string, unknown>>;
  };
  const factsText = JSON.stringify(facts);
  t.regex(factsText, /"enabled":true/, 'facts: AppArmor is enabled');
  t.regex(factsText, /"bootLoader":"grub"/, 'facts: the boot loader is GRUB');
  t.like((facts as unknown as Record<string, Record<string, object>>)['module']?.['initramfs'], {
    tool: 'update-initramfs',
    rebuild: 'update-initramfs -u -k all',
  });

  // A syntax error is a plan error at its line of the document.
  await vm.writeFile('/root/broken.yaml', broken);
  const bad = await cosi(t, vm, 'plan', '/root/broken.yaml');
  t.is(bad.exitCode, 1);
  t.regex(bad.stderr, /^\/root\/broken\.yaml:20:9: error: AppArmor profile cosi-deny, line 8: syntax error/m);

  await vm.writeFile(documentPath, withBoth);
  const plan = await planJson(t, vm, documentPath);
  t.deepEqual(plan.diagnostics, []);
  t.deepEqual(
    plan.changes.map((c) => [c.address, c.action, c.disruption]),
    [
      ['module.floppy', 'create', 'none'],
      ['module.initramfs', 'create', 'none'],
      ['kernel.args', 'create', 'reboot'],
      ['apparmor.profile.cosi-deny', 'create', 'none'],
    ],
  );
  t.deepEqual(plan.changes[1]?.dependsOn, ['module.floppy']);
  t.true(plan.requires.reboot, 'the plan says reboot');

  t.is((await cosi(t, vm, 'apply', '--auto-approve', documentPath)).exitCode, 0);
  t.regex(
    await vm.readFile('/etc/default/grub.d/90-cosi.cfg'),
    /^GRUB_CMDLINE_LINUX="\$\{GRUB_CMDLINE_LINUX\} cosi\.vmtest=1"$/m,
  );
  t.regex(await vm.readFile('/boot/grub/grub.cfg'), /^\s*linux\s.*cosi\.vmtest=1/m, 'update-grub put it in grub.cfg');
  t.false(await floppyLoaded(vm), 'floppy is unloaded at once');
  t.regex(
    await initramfsCosiConf(vm),
    /^blacklist floppy$[\s\S]*^install floppy \/bin\/false$/m,
    "the rebuilt initramfs holds cosi's modprobe.d lines",
  );
  t.is(await vm.readFile('/var/run/reboot-required'), '*** System restart required ***\n');
  t.regex(await vm.readFile('/var/run/reboot-required.pkgs'), /^cosi$/m);
  const denies = async (when: string) => {
    t.regex(
      await vm.readFile('/sys/kernel/security/apparmor/profiles'),
      /^cosi-deny \(enforce\)$/m,
      `${when}: loaded in enforce mode`,
    );
    const confined = await vm.run(['aa-exec', '-p', 'cosi-deny', 'cat', '/root/secret']);
    t.not(confined.exitCode, 0, `${when}: the confined cat is denied /root/secret`);
    t.regex(confined.stderr, /Permission denied/);
    t.is(
      (await vm.run(['aa-exec', '-p', 'cosi-deny', 'cat', '/root/allowed'])).stdout,
      'allowed\n',
      `${when}: and may read what the profile allows`,
    );
    t.is((await vm.run(['cat', '/root/secret'])).stdout, 'secret\n', `${when}: unconfined cat reads it`);
  };
  await denies('after apply');
  const pending = await cosi(t, vm, 'plan', '--detailed-exitcode', documentPath);
  t.is(pending.exitCode, 0, 'plan right after apply: no changes');
  t.regex(pending.stdout, /cosi\.vmtest=1: a reboot is owed/, 'but the reboot still owed is said');

  await vm.reboot();
  t.regex(await cmdline(), /(^| )cosi\.vmtest=1( |$)/, 'after the reboot /proc/cmdline has the argument');
  t.false(await floppyLoaded(vm), 'after the reboot floppy is not loaded: the initramfs did not load it either');
  const after = await cosi(t, vm, 'plan', '--detailed-exitcode', documentPath);
  t.is(after.exitCode, 0, 'plan after the reboot: no changes');
  t.notRegex(after.stdout, /reboot is owed/);
  await denies('after the reboot');

  await vm.writeFile(documentPath, withNeither);
  const removal = await planJson(t, vm, documentPath);
  t.deepEqual(
    removal.changes.map((c) => [c.address, c.action, c.disruption]),
    [
      ['kernel.args', 'delete', 'reboot'],
      ['apparmor.profile.cosi-deny', 'delete', 'none'],
    ],
  );
  await sh(vm, 'rm -f /var/run/reboot-required /var/run/reboot-required.pkgs');
  t.is((await cosi(t, vm, 'apply', '--auto-approve', documentPath)).exitCode, 0);
  t.notRegex(await vm.readFile('/sys/kernel/security/apparmor/profiles'), /^cosi-deny /m, 'the profile is unloaded');
  t.is((await vm.run(['test', '-e', '/etc/apparmor.d/cosi-deny'])).exitCode, 1, 'and its file removed');
  t.is((await vm.run(['test', '-e', '/etc/default/grub.d/90-cosi.cfg'])).exitCode, 1, 'the drop-in is removed');
  t.notRegex(await vm.readFile('/boot/grub/grub.cfg'), /cosi\.vmtest=1/);
  t.is(
    await vm.readFile('/var/run/reboot-required'),
    '*** System restart required ***\n',
    'the removal owes a reboot too',
  );

  await vm.reboot();
  t.notRegex(await cmdline(), /cosi\.vmtest=1/, 'after the next reboot the argument is gone');
  t.false(await floppyLoaded(vm), 'floppy, still blocked, is not loaded after a second boot either');
  t.is((await cosi(t, vm, 'plan', '--detailed-exitcode', documentPath)).exitCode, 0, 'and the plan is empty');
  t.log(
    `suite: ${((Date.now() - started) / 1000).toFixed(1)} s, boots ${vm.bootSeconds.map((s) => s.toFixed(1)).join(' + ')} s`,
  );
});

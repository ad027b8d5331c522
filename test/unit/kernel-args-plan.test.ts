import test from 'ava';
import {execFileSync} from 'node:child_process';
import {loadState} from '../../src/engine/state.js';
import type {CommandRequest} from '../../src/host/command.js';
import {createHost, type Host} from '../../src/host/host.js';
import {defaultFirst, parseBlsEntry} from '../../src/resources/kernel-args/bls.js';
import {cmdlineArgs} from '../../src/resources/kernel-args/cmdline.js';
import {grubCfgEntries} from '../../src/resources/kernel-args/grub-cfg.js';
import {defaultsArgs, dropInArgs, renderDropIn} from '../../src/resources/kernel-args/grub-defaults.js';
import {kernelArgsProvider} from '../../src/resources/kernel-args/provider.js';
import {bootLoaderRunner} from '../lib/fake-boot-loader.js';
import {createFixtureRoot, type FixtureRoot} from '../lib/fixture-root.js';
import {grubCfg, grubFiles, rhelEntries, rhelFiles} from '../lib/kernel-args-fixtures.js';
import {providerRun} from '../lib/provider-run.js';

async function withNode(
  files: Record<string, string>,
  body: (root: FixtureRoot, host: Host, calls: CommandRequest[]) => Promise<void>,
  entries: readonly string[] = [],
): Promise<void> {
  const root = await createFixtureRoot(files);
  const calls: CommandRequest[] = [];
  try {
    await body(root, createHost({root: root.dir, runner: bootLoaderRunner(root, {calls, entries})}), calls);
  } finally {
    await root.cleanup();
  }
}

const {plan, apply} = providerRun([kernelArgsProvider]);

const cgroup = {kernel: {args: ['systemd.unified_cgroup_hierarchy=1']}};

test('cmdline words: BOOT_IMAGE and initrd left out, quotes group', (t) => {
  t.deepEqual(
    cmdlineArgs('BOOT_IMAGE=/boot/vmlinuz root=UUID=1 ro initrd=\\initrd.img acpi_osi="Windows 2015" quiet\n'),
    ['root=UUID=1', 'ro', 'acpi_osi=Windows 2015', 'quiet'],
  );
});

test('grub.cfg: every linux line, default first', (t) => {
  t.deepEqual(grubCfgEntries(grubCfg('a=1')), [
    ['root=UUID=0000', 'ro', 'a=1', 'quiet'],
    ['root=UUID=0000', 'ro', 'single', 'a=1'],
  ]);
});

test('GRUB defaults: assignments read without running the shell', (t) => {
  t.deepEqual(
    defaultsArgs(
      'GRUB_CMDLINE_LINUX_DEFAULT="quiet splash"\n# GRUB_CMDLINE_LINUX="no"\nGRUB_CMDLINE_LINUX=\'a=1\'\nexport GRUB_CMDLINE_LINUX="${GRUB_CMDLINE_LINUX} b"\nGRUB_CMDLINE_LINUX=c\n',
    ),
    ['quiet', 'splash', 'a=1', 'b', 'c'],
  );
});

test('the drop-in, sourced by a real shell as grub-mkconfig does, appends exactly the arguments', (t) => {
  const text = renderDropIn([
    'systemd.unified_cgroup_hierarchy=1',
    'nf_conntrack.hashsize=131072',
    'console=ttyS0,115200',
    'isolcpus=2-3',
  ]);
  const out = execFileSync(
    'sh',
    ['-c', 'GRUB_CMDLINE_LINUX="console=tty0"; eval "$1"; printf "%s" "$GRUB_CMDLINE_LINUX"', 'sh', text],
    {encoding: 'utf8'},
  );
  t.is(
    out,
    'console=tty0 systemd.unified_cgroup_hierarchy=1 nf_conntrack.hashsize=131072 console=ttyS0,115200 isolcpus=2-3',
  );
  t.deepEqual(dropInArgs(text), [
    'systemd.unified_cgroup_hierarchy=1',
    'nf_conntrack.hashsize=131072',
    'console=ttyS0,115200',
    'isolcpus=2-3',
  ]);
  t.throws(() => renderDropIn(['x=$(reboot)']), {message: /bug in cosi/});
});

test('BLS: $kernelopts from grubenv, the saved entry first', (t) => {
  const env = 'saved_entry=m-4.18.0-80\nkernelopts=root=/dev/sda1 ro quiet\n';
  const entries = [
    parseBlsEntry('m-4.18.0-80', 'options $kernelopts\n', env),
    parseBlsEntry('m-4.18.0-100', 'options $kernelopts x=1\n', env),
  ];
  t.deepEqual(entries[1]!.args, ['root=/dev/sda1', 'ro', 'quiet', 'x=1']);
  t.deepEqual(
    defaultFirst(entries, env).map((e) => e.id),
    ['m-4.18.0-80', 'm-4.18.0-100'],
  );
  t.deepEqual(
    defaultFirst(entries, undefined).map((e) => e.id),
    ['m-4.18.0-100', 'm-4.18.0-80'],
    'newest version first',
  );
});

test('Debian: a new argument is a create that owes a reboot; after apply the plan is empty with a boot note until the reboot', (t) =>
  withNode(grubFiles, async (root, host, calls) => {
    const first = await plan(host, cgroup);
    t.deepEqual(first.diagnostics, []);
    t.deepEqual(
      first.changes.map((c) => [c.address, c.action, c.disruption]),
      [['kernel.args', 'create', 'reboot']],
    );
    t.deepEqual(first.changes[0]!.details, ['+ systemd.unified_cgroup_hierarchy=1']);
    await apply(host, cgroup);
    t.deepEqual(
      calls.map((c) => c.argv),
      [['update-grub']],
    );
    t.is(await root.read('/etc/default/grub.d/90-cosi.cfg'), renderDropIn(['systemd.unified_cgroup_hierarchy=1']));
    t.is(await root.read('/var/run/reboot-required'), '*** System restart required ***\n');
    t.is(await root.read('/var/run/reboot-required.pkgs'), 'cosi\n');
    const pending = await plan(host, cgroup);
    t.deepEqual(pending.changes, []);
    t.regex(
      pending.bootNotes[0]!.message,
      /differs from the next boot's \(\/boot\/grub\/grub\.cfg\) in \+systemd\.unified_cgroup_hierarchy=1: a reboot is owed/,
    );
    // The reboot: the kernel now runs with grub.cfg's default entry.
    await root.write(
      '/proc/cmdline',
      'BOOT_IMAGE=/boot/vmlinuz-6.1.0-28-amd64 root=UUID=0000 ro systemd.unified_cgroup_hierarchy=1 quiet\n',
    );
    const after = await plan(host, cgroup);
    t.deepEqual(after.changes, []);
    t.deepEqual(after.bootNotes, []);
    t.is(after.noops[0]!.action, 'noop');
  }));

test('Debian: removing an argument from the list rewrites the drop-in and owes a reboot while it is live', (t) =>
  withNode(grubFiles, async (root, host, calls) => {
    await apply(host, {kernel: {args: ['a=1', 'b=2']}});
    await root.write('/proc/cmdline', 'root=UUID=0000 ro a=1 b=2 quiet\n');
    const removal = await plan(host, {kernel: {args: ['b=2']}});
    t.deepEqual(
      removal.changes.map((c) => [c.action, c.disruption, c.details]),
      [['update', 'reboot', ['- a=1']]],
    );
    await apply(host, {kernel: {args: ['b=2']}});
    t.deepEqual(dropInArgs((await root.read('/etc/default/grub.d/90-cosi.cfg'))!), ['b=2']);
    t.false((await root.read('/boot/grub/grub.cfg'))!.includes('a=1'));
    t.is(calls.length, 2);
    t.regex((await plan(host, {kernel: {args: ['b=2']}})).bootNotes[0]!.message, /in -a=1: a reboot is owed/);
  }));

test('Debian: an argument already live and in the GRUB defaults is no change, and cosi writes nothing', (t) =>
  withNode(grubFiles, async (root, host, calls) => {
    const p = await plan(host, {kernel: {args: ['quiet']}});
    t.deepEqual(p.changes, []);
    t.is(p.noops[0]!.reason, "quiet already set by the GRUB defaults outside cosi's drop-in");
    t.deepEqual(p.bootNotes, []);
    t.is(await root.read('/etc/default/grub.d/90-cosi.cfg'), undefined);
    t.is(calls.length, 0);
  }));

test('Debian: a drop-in that is right but a grub.cfg update-grub never regenerated is an update (a crash between the two)', (t) =>
  withNode({...grubFiles, '/etc/default/grub.d/90-cosi.cfg': renderDropIn(['a=1'])}, async (_root, host) => {
    const p = await plan(host, {kernel: {args: ['a=1']}});
    t.deepEqual(
      p.changes.map((c) => [c.action, c.reason]),
      [['create', '/boot/grub/grub.cfg lacks a=1; update-grub regenerates /boot/grub/grub.cfg']],
    );
  }));

test('Debian: a change that only puts back what is live owes no reboot', (t) =>
  withNode(grubFiles, async (root, host) => {
    await apply(host, {kernel: {args: ['a=1']}});
    await root.write('/proc/cmdline', 'root=UUID=0000 ro a=1 quiet\n');
    await root.write('/etc/default/grub.d/90-cosi.cfg', '# emptied by someone\n');
    await root.write('/boot/grub/grub.cfg', grubCfg(''));
    const p = await plan(host, {kernel: {args: ['a=1']}});
    t.deepEqual(
      p.changes.map((c) => [c.action, c.disruption]),
      [['update', 'none']],
    );
  }));

test('RHEL: grubby adds to every entry and removes only what cosi added', (t) =>
  withNode(
    rhelFiles,
    async (root, host, calls) => {
      const p = await apply(host, {kernel: {args: ['quiet', 'audit=1']}});
      t.deepEqual(
        p.changes.map((c) => [c.action, c.disruption]),
        [['create', 'reboot']],
      );
      t.deepEqual(
        calls.map((c) => c.argv),
        [['grubby', '--update-kernel=ALL', '--args=audit=1']],
      );
      for (const id of rhelEntries)
        t.regex((await root.read(`/boot/loader/entries/${id}.conf`))!, /^options .* quiet audit=1$/m);
      await apply(host, {});
      t.deepEqual(calls.at(-1)!.argv, ['grubby', '--update-kernel=ALL', '--remove-args=audit=1']);
      for (const id of rhelEntries)
        t.regex(
          (await root.read(`/boot/loader/entries/${id}.conf`))!,
          /^options .* rhgb quiet$/m,
          'quiet was there before cosi and stays',
        );
    },
    rhelEntries,
  ));

test('no boot loader cosi can drive is a plan error, never a pretended change', (t) =>
  withNode({'/proc/cmdline': 'root=/dev/vda rw console=ttyS0\n'}, async (_root, host) => {
    const p = await plan(host, cgroup);
    t.deepEqual(p.changes, []);
    t.is(p.diagnostics.length, 1);
    t.deepEqual(p.diagnostics[0]!.path, ['spec', 'kernel', 'args']);
    t.regex(p.diagnostics[0]!.summary, /found neither/);
  }));

test('reboot-required: .pkgs keeps what others listed and names cosi once', (t) =>
  withNode({...grubFiles, '/run/reboot-required.pkgs': 'linux-image-6.1.0-29-amd64\n'}, async (root, host) => {
    await root.write('/var/run', '');
    const {symlinkSync, rmSync} = await import('node:fs');
    rmSync(`${root.dir}/var/run`);
    symlinkSync('/run', `${root.dir}/var/run`);
    await apply(host, cgroup);
    await apply(host, {kernel: {args: ['x=1']}});
    t.is(await root.read('/run/reboot-required.pkgs'), 'linux-image-6.1.0-29-amd64\ncosi\n');
    t.is(await root.read('/run/reboot-required'), '*** System restart required ***\n');
  }));

test("facts: the boot loader, the running kernel's arguments and the next boot's", (t) =>
  withNode(grubFiles, async (_root, host) => {
    t.deepEqual(await kernelArgsProvider.facts!({host}), {
      bootLoader: 'grub',
      live: ['root=UUID=0000', 'ro', 'quiet'],
      nextBoot: ['root=UUID=0000', 'ro', 'quiet'],
      config: '/boot/grub/grub.cfg',
    });
  }));

test('Debian: a drop-in removed by hand (and grub.cfg regenerated) leaves only the record to forget, owing nothing', (t) =>
  withNode(grubFiles, async (root, host, calls) => {
    await apply(host, cgroup);
    await root.write('/proc/cmdline', 'root=UUID=0000 ro systemd.unified_cgroup_hierarchy=1 quiet\n');
    const {rmSync} = await import('node:fs');
    rmSync(`${root.dir}/etc/default/grub.d/90-cosi.cfg`);
    await root.write('/boot/grub/grub.cfg', grubCfg(''));
    const p = await plan(host, {});
    t.deepEqual(
      p.changes.map((c) => [c.action, c.disruption]),
      [['delete', 'none']],
    );
    t.regex(p.bootNotes[0]!.message, /in -systemd\.unified_cgroup_hierarchy=1: a reboot is owed/);
    await apply(host, {});
    t.is(calls.length, 1, 'nothing run for it');
    t.deepEqual((await loadState(host)).resources, {});
  }));

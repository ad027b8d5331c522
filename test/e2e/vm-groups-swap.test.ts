// Local groups and swap against a real Debian 12 node in a qemu VM (the cloud image: Debian's containerd installed):
// one apply creates a group, makes it containerd's socket group and turns off a swap file that fstab turns on and
// the zram swap of Debian's systemd-zram-generator (from a one-package local repository); the real groupadd, gpasswd,
// systemctl mask and swapoff do it. After a reboot there is no swap and the plan is empty; removing `swap` from the
// document turns both on again, now and after the next reboot. One boot and two reboots serve every check
// (docs/groups-swap.md, docs/testing-vm.md).
import test from 'ava';
import {ensureAptRepoDisk, useLocalRepo} from '../lib/vm/apt-repo.js';
import {ensureBaseImage} from '../lib/vm/image.js';
import {cloudImageRecipe} from '../lib/vm/image-recipe.js';
import {bootNode, cosi, planJson, sh} from '../lib/vm/node-session.js';

const documentPath = '/root/node.yaml';
const header = `apiVersion: cosi.dev/v1alpha1
kind: NodeConfig
metadata:
  name: vm-groups-swap
spec:
  groups:
    cri-users: { members: [alice] }
  runtime:
    engine: containerd
    socket: { group: cri-users }
`;
const document = `${header}  swap: { enabled: false }\n`;
const clash = `apiVersion: cosi.dev/v1alpha1
kind: NodeConfig
metadata:
  name: vm-clash
spec:
  groups:
    builders:
      gid: 100
`;

/** activeSwaps lists /proc/swaps without its header. */
async function activeSwaps(vm: {readFile(path: string): Promise<string>}): Promise<string[]> {
  return (await vm.readFile('/proc/swaps'))
    .split('\n')
    .slice(1)
    .filter(Boolean)
    .map((line) => line.split(/\s+/)[0]!);
}

test('one apply creates the socket group containerd uses and turns swap off (fstab and zram); no swap after a reboot; removing swap turns both on again, now and at boot', async (t) => {
  const started = Date.now();
  const repo = await ensureAptRepoDisk(
    await ensureBaseImage(cloudImageRecipe, (line) => t.log(line)),
    ['systemd-zram-generator'],
    (line) => t.log(line),
  );
  const vm = await bootNode(t, {recipe: cloudImageRecipe, extraDisks: [repo.disk]});
  await useLocalRepo(vm);
  await sh(
    vm,
    'DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd-zram-generator >/dev/null && systemctl daemon-reload && systemctl start dev-zram0.swap',
  );
  await sh(vm, 'useradd --no-create-home --shell /usr/sbin/nologin alice');
  await sh(
    vm,
    'fallocate -l 64M /swapfile && chmod 600 /swapfile && mkswap /swapfile >/dev/null && echo "/swapfile none swap sw 0 0" >> /etc/fstab && systemctl daemon-reload && systemctl start swapfile.swap',
  );
  t.deepEqual((await activeSwaps(vm)).sort(), ['/dev/zram0', '/swapfile'], 'zram and the swap file from fstab are on');
  const unit = await sh(vm, 'systemd-escape --path --suffix=swap /swapfile');
  t.is(
    await sh(vm, `systemctl show -p SourcePath --value ${unit}`),
    '/etc/fstab',
    'systemd-fstab-generator made its unit',
  );
  await vm.writeFile(documentPath, document);

  const plan = await planJson(t, vm, documentPath);
  t.deepEqual(plan.diagnostics, []);
  const addresses = plan.changes.map((c) => c.address);
  for (const a of ['group.cri-users', 'swap', 'runtime.containerd', 'service.containerd'])
    t.true(addresses.includes(a), `${a} is planned: ${addresses.join(', ')}`);
  t.true(
    addresses.indexOf('group.cri-users') < addresses.indexOf('runtime.containerd'),
    'the group before the runtime that uses it',
  );
  const swap = plan.changes.find((c) => c.address === 'swap')!;
  t.true(
    swap.details!.some((d) => d.startsWith(`systemctl mask ${unit}: link /etc/systemd/system/${unit} -> /dev/null`)),
    `the plan names the unit systemd-escape gives: ${swap.details!.join(' | ')}`,
  );
  t.true(
    swap.details!.some((d) =>
      d.startsWith(
        'systemctl mask dev-zram0.swap: link /etc/systemd/system/dev-zram0.swap -> /dev/null (turns swap on at boot from /etc/systemd/zram-generator.conf [zram0]',
      ),
    ),
    "and zram's, from its configuration",
  );
  const gid = (plan.changes.find((c) => c.address === 'group.cri-users')!.after as {gid: number}).gid;

  const applied = await cosi(t, vm, 'apply', '--auto-approve', documentPath);
  t.is(applied.exitCode, 0);
  t.is(
    await sh(vm, 'getent group cri-users'),
    `cri-users:x:${gid}:alice`,
    'created with the planned gid, alice a member',
  );
  t.is((await vm.run(['grpck', '-r'])).exitCode, 0, 'grpck finds /etc/group and /etc/gshadow consistent');
  t.is(await sh(vm, 'stat -c %G /run/containerd/containerd.sock'), 'cri-users', 'the socket belongs to the group');
  t.deepEqual(await activeSwaps(vm), [], 'swap is off');
  t.is(await sh(vm, `systemctl is-enabled ${unit} dev-zram0.swap || true`), 'masked\nmasked');
  t.is(await sh(vm, 'grep -c swapfile /etc/fstab'), '1', 'fstab is left as it was');
  t.is(
    (await cosi(t, vm, 'plan', '--detailed-exitcode', documentPath)).exitCode,
    0,
    'plan right after apply: no changes',
  );

  await vm.writeFile('/root/clash.yaml', clash);
  const clashing = await cosi(t, vm, 'plan', '/root/clash.yaml');
  t.is(clashing.exitCode, 1);
  t.regex(
    clashing.stderr,
    /clash\.yaml:8:\d+: error: gid 100 of group builders is taken by group users/,
    'a plan error at the gid line, naming the group',
  );

  await vm.reboot();
  t.deepEqual(await activeSwaps(vm), [], 'no swap after the reboot');
  t.is(
    await sh(vm, 'stat -c %G /run/containerd/containerd.sock'),
    'cri-users',
    'containerd makes its socket with the group at boot',
  );
  t.is(
    (await cosi(t, vm, 'plan', '--detailed-exitcode', documentPath)).exitCode,
    0,
    'plan after the reboot: no changes',
  );

  await vm.writeFile(documentPath, header);
  const removal = await planJson(t, vm, documentPath);
  t.deepEqual(
    removal.changes.map((c) => [c.address, c.action]),
    [['swap', 'delete']],
  );
  t.is((await cosi(t, vm, 'apply', '--auto-approve', documentPath)).exitCode, 0);
  t.deepEqual(
    (await activeSwaps(vm)).sort(),
    ['/dev/zram0', '/swapfile'],
    'the fstab entry and zram turned swap on again',
  );
  t.is(
    await sh(vm, `systemctl show -p SourcePath --value ${unit}`),
    '/etc/fstab',
    "from the generator's unit for the fstab entry",
  );
  t.is((await cosi(t, vm, 'plan', '--detailed-exitcode', documentPath)).exitCode, 0, 'and cosi plans nothing more');
  await vm.reboot();
  t.deepEqual((await activeSwaps(vm)).sort(), ['/dev/zram0', '/swapfile'], 'and at boot, as before cosi');
  t.log(`suite: ${((Date.now() - started) / 1000).toFixed(0)} s`);
});

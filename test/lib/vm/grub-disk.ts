import {closeSync, openSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {rootLabel} from './guest-setup.js';
import {grubSetupInit} from './image-recipe.js';
import {runHostCommand} from './run-command.js';

/** partitionOffset is where the root partition starts on a partitioned image: 1 MiB, GRUB's core.img goes before it. */
const partitionOffset = 1024 * 1024;

/** sizeBytes reads a disk size such as `3G` or `512M` (powers of 1024). */
export function sizeBytes(size: string): number {
  const m = /^(\d+)([KMGT]?)$/.exec(size);
  if (!m) throw new Error(`Expected a disk size like 3G, got ${JSON.stringify(size)}`);
  return Number(m[1]) * 1024 ** ' KMGT'.indexOf(m[2] || ' ');
}

/**
 * makePartitionedDisk writes a raw disk with an MBR partition table (sfdisk, on the image file) and one bootable
 * Linux partition from 1 MiB, holding an ext4 file system made from rootfs by `mke2fs -d -E offset=` — no loop
 * device, nothing mounted. The guest sees its root as /dev/vda1 (label {@link rootLabel}).
 */
export async function makePartitionedDisk(rootfs: string, disk: string, fsSize: string): Promise<void> {
  const bytes = sizeBytes(fsSize);
  closeSync(openSync(disk, 'w'));
  await runHostCommand(['truncate', '-s', String(partitionOffset + bytes), disk], {timeoutMs: 60_000});
  const table = join(disk + '.sfdisk');
  writeFileSync(table, `label: dos\nstart=${partitionOffset / 512}, size=${bytes / 512}, type=83, bootable\n`);
  await runHostCommand(['sh', '-c', 'sfdisk --no-reread --no-tell-kernel -q "$1" < "$2"', 'sh', disk, table], {
    timeoutMs: 60_000,
  });
  await runHostCommand(
    [
      'mke2fs',
      '-q',
      '-F',
      '-t',
      'ext4',
      '-L',
      rootLabel,
      '-E',
      `offset=${partitionOffset}`,
      '-d',
      rootfs,
      disk,
      `${bytes / 1024}k`,
    ],
    {
      timeoutMs: 10 * 60_000,
    },
  );
}

/**
 * installGrubInGuest boots the freshly built partitioned disk once, writable, with the kernel and initrd copied out
 * of it (direct kernel boot) and {@link grubSetupInit} as init, which runs Debian's `grub-install /dev/vda` and
 * `update-grub` on the real device, as an installer would, and powers off. From then on the disk boots through
 * its own GRUB. Throws with the console's tail unless the script said it succeeded.
 */
export async function installGrubInGuest(request: {
  disk: string;
  kernel: string;
  initrd: string;
  workDir: string;
}): Promise<void> {
  const consoleLog = join(request.workDir, 'grub-setup-console.log');
  const args = [
    '-nodefaults',
    '-accel',
    'tcg,thread=multi',
    '-cpu',
    'max',
    '-m',
    '1024',
    '-smp',
    '2',
    '-display',
    'none',
    '-nic',
    'none',
    '-no-reboot',
    '-monitor',
    'none',
    '-serial',
    `file:${consoleLog}`,
    '-kernel',
    request.kernel,
    '-initrd',
    request.initrd,
    '-append',
    `root=/dev/vda1 rw console=ttyS0,115200 panic=1 init=${grubSetupInit}`,
    '-drive',
    `file=${request.disk},if=virtio,format=raw,cache=unsafe`,
  ];
  await runHostCommand(['qemu-system-x86_64', ...args], {timeoutMs: 10 * 60_000});
  const console = readFileSync(consoleLog, 'utf8');
  if (!console.includes('cosi-grub-setup: ok')) {
    throw new Error(
      `Expected the GRUB setup boot to print "cosi-grub-setup: ok"; its console ends:\n${console.split('\n').slice(-40).join('\n')}`,
    );
  }
}

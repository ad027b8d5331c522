import {type ChildProcess, spawn} from 'node:child_process';
import {createHash} from 'node:crypto';
import {closeSync, existsSync, mkdirSync, openSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {agentPortName} from './protocol.js';
import {runHostCommand} from './run-command.js';

/** QemuOptions describe one VM: its disks, kernel and where its sockets and logs go. */
export type QemuOptions = {
  /** Directory for this VM's overlay, sockets and logs; created by the caller. */
  runDir: string;
  baseDisk: string;
  layerDisk: string;
  kernel: string;
  initrd: string;
  memoryMiB?: number;
  cpus?: number;
  /** Serial console: 'log' writes it to `<runDir>/console.log`; 'stdio' attaches it to this terminal (debug shells). */
  console?: 'log' | 'stdio';
  extraAppend?: string;
  /** More raw disks, attached read-only after the layer disk (/dev/vdc, /dev/vdd, ...): apt repositories, seeds. */
  extraDisks?: string[];
  /**
   * When the guest reboots, qemu exits instead of resetting in place (`-no-reboot`); the caller starts it again on
   * the same overlay. Under TCG a fresh qemu boots the guest several times faster than a warm reset does.
   */
  exitOnReboot?: boolean;
  /**
   * Boot from the overlay disk's own boot loader (SeaBIOS, then GRUB in its MBR) instead of `kernel`/`initrd`:
   * the guest's kernel command line is then its grub.cfg's.
   */
  bootFromDisk?: boolean;
};

/** QemuProcess is a started VM: the process and the paths of its console log and agent socket. */
export type QemuProcess = {child: ChildProcess; consoleLog: string; agentSocket: string; stderrLog: string};

/** kernelCommandLine is what the guest kernel boots with: root on the overlay disk, serial console, no waiting on panic. */
export function kernelCommandLine(extra = ''): string {
  return `root=/dev/vda rw console=ttyS0,115200 panic=0 loglevel=5 systemd.show_status=auto net.ifnames=0 ${extra}`.trim();
}

/**
 * socketDir is a short directory for a VM's unix sockets, the same for every start on one runDir: a socket path has
 * at most 108 bytes, and a run directory under a deep clone (CI's) is longer than that.
 */
export function socketDir(runDir: string): string {
  const dir = join(tmpdir(), `cosi-vm-${createHash('sha256').update(runDir).digest('hex').slice(0, 12)}`);
  mkdirSync(dir, {recursive: true, mode: 0o700});
  return dir;
}

/**
 * createOverlay makes a throw-away copy-on-write qcow2 disk on top of base (opened read-only by qemu), so every VM
 * starts from a fresh node and the cached base image is never written.
 */
export async function createOverlay(base: string, overlay: string): Promise<void> {
  await runHostCommand(['qemu-img', 'create', '-q', '-f', 'qcow2', '-b', base, '-F', 'raw', overlay], {
    timeoutMs: 60_000,
  });
}

/**
 * startQemu launches qemu-system-x86_64 with TCG (never KVM): the overlay as /dev/vda, the cosi layer read-only as
 * /dev/vdb, the serial console to a log (or the terminal), a virtio-serial port {@link agentPortName} bound to a unix
 * socket, no network; direct kernel boot unless {@link QemuOptions.bootFromDisk}. Reboots in the guest reset it in place, or end it with {@link QemuOptions.exitOnReboot}. An
 * existing overlay in runDir is reused, so starting again on the same runDir is a reboot of the same node.
 */
export async function startQemu(options: QemuOptions): Promise<QemuProcess> {
  const overlay = join(options.runDir, 'overlay.qcow2');
  if (!existsSync(overlay)) await createOverlay(options.baseDisk, overlay);
  const consoleLog = join(options.runDir, 'console.log');
  const agentSocket = join(socketDir(options.runDir), 'agent.sock');
  const stderrLog = join(options.runDir, 'qemu.stderr');
  const serial =
    options.console === 'stdio'
      ? ['-serial', 'mon:stdio']
      : ['-chardev', `file,id=con,path=${consoleLog},append=on`, '-serial', 'chardev:con', '-monitor', 'none'];
  const args = [
    '-nodefaults', // no IDE CD-ROM, floppy, parallel port or VGA for the guest to probe
    '-accel',
    'tcg,thread=multi',
    '-cpu',
    'max',
    '-m',
    String(options.memoryMiB ?? 2048),
    '-smp',
    String(options.cpus ?? 2),
    '-display',
    'none',
    '-nic',
    'none',
    ...(options.exitOnReboot ? ['-no-reboot'] : []),
    ...serial,
    ...(options.bootFromDisk
      ? []
      : ['-kernel', options.kernel, '-initrd', options.initrd, '-append', kernelCommandLine(options.extraAppend)]),
    '-drive',
    `file=${overlay},if=virtio,format=qcow2,cache=unsafe`,
    '-drive',
    `file=${options.layerDisk},if=virtio,format=raw,readonly=on`,
    ...(options.extraDisks ?? []).flatMap((disk) => ['-drive', `file=${disk},if=virtio,format=raw,readonly=on`]),
    '-device',
    'virtio-rng-pci',
    '-device',
    'virtio-serial-pci',
    '-chardev',
    `socket,id=agent,path=${agentSocket},server=on,wait=off`,
    '-device',
    `virtserialport,chardev=agent,name=${agentPortName}`,
  ];
  const err = openSync(stderrLog, 'a');
  const child = spawn('qemu-system-x86_64', args, {
    stdio: options.console === 'stdio' ? ['inherit', 'inherit', err] : ['ignore', 'ignore', err],
  });
  closeSync(err);
  return {child, consoleLog, agentSocket, stderrLog};
}

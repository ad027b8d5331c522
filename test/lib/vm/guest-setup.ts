import {randomBytes} from 'node:crypto';
import {mkdirSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import type {BaseImageRecipe} from './image-recipe.js';
import {agentPortName} from './protocol.js';

/** layerMountPoint is where the guest mounts the cosi layer disk (read-only, label {@link layerLabel}). */
export const layerMountPoint = '/opt/vm-layer';

/** layerLabel is the ext4 label of the cosi layer disk, used by the guest's fstab. */
export const layerLabel = 'cosi-layer';

/** rootLabel is the ext4 label of the base image's root file system. */
export const rootLabel = 'cosi-root';

/** hostname is the guest's host name. */
export const guestHostname = 'cosi-vm';

// Units that wait for a network, or do housekeeping that only slows a throw-away VM down under TCG.
const maskedUnits = [
  'systemd-firstboot.service',
  'systemd-networkd-wait-online.service',
  'apt-daily.timer',
  'apt-daily-upgrade.timer',
  'dpkg-db-backup.timer',
  'e2scrub_all.timer',
  'e2scrub_reap.service',
  'fstrim.timer',
  'getty@tty1.service',
  'systemd-timesyncd.service',
];

const agentUnit = `[Unit]
Description=cosi VM test harness agent (virtio-serial ${agentPortName})
RequiresMountsFor=${layerMountPoint}
After=local-fs.target systemd-sysctl.service systemd-modules-load.service

[Service]
ExecStart=/usr/local/bin/node ${layerMountPoint}/agent.mjs /dev/virtio-ports/${agentPortName}
Restart=always
RestartSec=1

[Install]
WantedBy=multi-user.target
`;

/**
 * customizeRootfs turns the fresh mmdebstrap tree at root into a test node. It writes only inside root:
 * fstab (root on /dev/vda, the layer disk on {@link layerMountPoint}), host name, a machine id (so systemd does not
 * run its first-boot prompts), masks for slow or network-waiting units, root autologin on the serial console for
 * debugging, the agent's systemd unit, and the links that make `node` and `cosi` point into the layer disk; then the
 * recipe's own files. A node that boots from a partitioned disk (`recipe.boot`) finds its root by label.
 */
export function customizeRootfs(root: string, recipe?: BaseImageRecipe): void {
  const write = (path: string, content: string, mode = 0o644) => {
    mkdirSync(dirname(join(root, path)), {recursive: true});
    writeFileSync(join(root, path), content, {mode});
  };
  const link = (path: string, target: string) => {
    mkdirSync(dirname(join(root, path)), {recursive: true});
    rmSync(join(root, path), {force: true});
    symlinkSync(target, join(root, path));
  };
  const rootDevice = recipe?.boot ? `LABEL=${rootLabel}` : '/dev/vda';
  write(
    '/etc/fstab',
    `${rootDevice} / ext4 rw,errors=remount-ro 0 0\nLABEL=${layerLabel} ${layerMountPoint} ext4 ro 0 0\n`,
  );
  write('/etc/hostname', guestHostname + '\n');
  write('/etc/hosts', `127.0.0.1 localhost\n127.0.1.1 ${guestHostname}\n`);
  write('/etc/machine-id', randomBytes(16).toString('hex') + '\n', 0o444);
  for (const unit of maskedUnits) link(`/etc/systemd/system/${unit}`, '/dev/null');
  write(
    '/etc/systemd/system/serial-getty@ttyS0.service.d/autologin.conf',
    '[Service]\nExecStart=\nExecStart=-/sbin/agetty --autologin root --keep-baud 115200,57600,38400,9600 %I $TERM\n',
  );
  write('/etc/systemd/system/cosi-vm-agent.service', agentUnit);
  link(
    '/etc/systemd/system/multi-user.target.wants/cosi-vm-agent.service',
    '/etc/systemd/system/cosi-vm-agent.service',
  );
  mkdirSync(join(root, layerMountPoint), {recursive: true});
  link('/usr/local/bin/node', `${layerMountPoint}/node`);
  link('/opt/cosi', `${layerMountPoint}/cosi`);
  write(
    '/usr/local/bin/cosi',
    `#!/bin/sh\nexec ${layerMountPoint}/node ${layerMountPoint}/cosi/bin/cosi.js "$@"\n`,
    0o755,
  );
  for (const [path, content] of Object.entries(recipe?.files ?? {}))
    write(path, content, /\/sbin\//.test(path) ? 0o755 : 0o644);
}

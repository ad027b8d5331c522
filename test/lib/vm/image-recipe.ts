import {createHash} from 'node:crypto';

/**
 * harnessVersion is bumped whenever the way the base image is built or customized changes in a way the recipe
 * below does not show, so that old cached images are not reused.
 */
export const harnessVersion = 4;

/** BaseImageRecipe is everything that determines the base image; its hash is the cache key. */
export type BaseImageRecipe = {
  suite: string;
  variant: string;
  packages: string[];
  mirrors: string[];
  /** mmdebstrap `--customize-hook`s, run with the new root as $1 (inside mmdebstrap's mounts). */
  customizeHooks: string[];
  /** Size of the ext4 root file system (sparse on the host). */
  diskSize: string;
  harnessVersion: number;
  /**
   * How the node boots. Left out: the harness boots the kernel and initrd it copied out of the image (qemu
   * `-kernel/-initrd`) from an unpartitioned ext4 disk. `grub-pc`: the disk is partitioned (MBR, root on /dev/vda1)
   * and boots through Debian's GRUB from its own disk, with the guest's own kernel, initramfs and grub.cfg
   * (see {@link withGrubBoot}).
   */
  boot?: 'grub-pc';
  /** Files written into the root file system after mmdebstrap (node path -> content; scripts under `sbin/` executable). */
  files?: Record<string, string>;
};

/**
 * defaultRecipe is the Debian 12 node: systemd as init, udev, kmod, procps (sysctl), apt, and Debian's kernel with its
 * modules and initramfs. Only Debian's packages are used.
 */
export const defaultRecipe: BaseImageRecipe = {
  suite: 'bookworm',
  variant: 'minbase',
  packages: ['systemd', 'systemd-sysv', 'udev', 'kmod', 'procps', 'apt', 'e2fsprogs', 'linux-image-amd64'],
  mirrors: [
    'deb http://deb.debian.org/debian bookworm main',
    'deb http://deb.debian.org/debian bookworm-updates main',
    'deb http://deb.debian.org/debian-security bookworm-security main',
  ],
  customizeHooks: [
    // A small initramfs with only what finds the root disk: under TCG, unpacking and probing Debian's default
    // "most modules" initramfs costs tens of seconds per boot.
    'echo MODULES=list > "$1/etc/initramfs-tools/conf.d/cosi-vm"',
    'printf "virtio_pci\\nvirtio_blk\\nvirtio_console\\next4\\n" >> "$1/etc/initramfs-tools/modules"',
    'chroot "$1" update-initramfs -u -k all',
  ],
  diskSize: '3G',
  harnessVersion,
};

// A stand-in for the kubelet (Debian 12 does not package it): what the boot tests look at is when systemd starts it.
const kubeletStandIn =
  '[Unit]\\nDescription=kubelet stand-in for the cosi VM tests\\nAfter=containerd.service\\n\\n[Service]\\nExecStart=/bin/sleep infinity\\n\\n[Install]\\nWantedBy=multi-user.target\\n';

/**
 * cloudImageRecipe is a cloud image of the Debian 12 node: {@link defaultRecipe} plus Debian's cloud-init and
 * containerd (enabled by its package) and an enabled kubelet stand-in unit. cloud-init has never run on it, so its
 * first boot with a NoCloud seed attached is an instance's first boot.
 */
export const cloudImageRecipe: BaseImageRecipe = {
  ...defaultRecipe,
  packages: [...defaultRecipe.packages, 'cloud-init', 'containerd'],
  customizeHooks: [
    ...defaultRecipe.customizeHooks,
    `printf '${kubeletStandIn}' > "$1/etc/systemd/system/kubelet.service"`,
    // minbase has no `locales` (update-locale), which cloud-init's locale module needs; a cloud image would have it.
    'echo "locale: false" > "$1/etc/cloud/cloud.cfg.d/90-cosi-vm.cfg"',
    'mkdir -p "$1/etc/systemd/system/multi-user.target.wants" && ln -s /etc/systemd/system/kubelet.service "$1/etc/systemd/system/multi-user.target.wants/kubelet.service"',
  ],
};

/** grubKernelArgs are the harness's own kernel arguments on GRUB-booted nodes (GRUB_CMDLINE_LINUX). */
export const grubKernelArgs = 'console=ttyS0,115200 panic=0 loglevel=5 systemd.show_status=auto net.ifnames=0';

// The harness's GRUB settings, as a drop-in beside the one cosi writes: no menu wait, menu and kernel on the serial console.
const grubDefaults = `# cosi VM harness: boot at once, on the serial console
GRUB_TIMEOUT=0
GRUB_TIMEOUT_STYLE=hidden
GRUB_TERMINAL=serial
GRUB_SERIAL_COMMAND="serial --unit=0 --speed=115200"
GRUB_CMDLINE_LINUX="${grubKernelArgs}"
GRUB_DISABLE_OS_PROBER=true
`;

/** grubSetupInit is the init of the image's one setup boot (image.ts): GRUB onto the real disk, then power off. */
export const grubSetupInit = '/usr/local/sbin/cosi-grub-setup';

const grubSetupScript = `#!/bin/sh
# cosi VM harness: runs once as init (${grubSetupInit}) while the image is built, on the guest's own disk.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc 2>/dev/null
mount -t sysfs sysfs /sys 2>/dev/null
mount -t devtmpfs devtmpfs /dev 2>/dev/null
if grub-install --target=i386-pc /dev/vda && update-grub; then echo "cosi-grub-setup: ok"; else echo "cosi-grub-setup: failed"; fi
sync
echo o > /proc/sysrq-trigger
sleep 60
`;

/**
 * withGrubBoot makes a recipe boot through GRUB from the guest's own disk (`boot: 'grub-pc'`): Debian's `grub-pc`,
 * the harness's GRUB settings in `/etc/default/grub.d/00-cosi-vm.cfg`. The image build then partitions the disk,
 * and one setup boot of the image runs `grub-install /dev/vda` and `update-grub` in the guest, on the real device
 * (image.ts). Any recipe can be made so: the GRUB node boots Debian's own initramfs as the recipe's hooks made it
 * (MODULES=most, say).
 */
export function withGrubBoot(recipe: BaseImageRecipe): BaseImageRecipe {
  return {
    ...recipe,
    packages: [...recipe.packages, 'grub-pc'],
    files: {...recipe.files, '/etc/default/grub.d/00-cosi-vm.cfg': grubDefaults, [grubSetupInit]: grubSetupScript},
    boot: 'grub-pc',
  };
}

/** trimmedDrivers are the directories under the GRUB node's kernel/drivers that {@link grubRecipe} removes. */
const trimmedDrivers = [
  'net/ethernet',
  'net/phy',
  'net/usb',
  'net/wireless',
  'net/wwan',
  'net/ieee802154',
  'scsi',
  'ata',
  'usb',
  'hid',
  'mmc',
  'i2c',
  'mfd',
  'gpio',
  'nvme',
  'spi',
  'pinctrl',
  'message',
  'infiniband',
  'firewire',
];

/**
 * grubRecipe is the Debian 12 node booted through GRUB, with Debian's AppArmor userspace (`apparmor`: apparmor_parser,
 * aa-exec; the kernel enables AppArmor by default), for the kernel-arguments, AppArmor and initramfs suite. Unlike
 * the direct-boot images it keeps Debian's own initramfs configuration: `MODULES=most` in
 * /etc/initramfs-tools/initramfs.conf and no override, so the initramfs that the guest's initramfs-tools builds
 * carries modules such as floppy.ko and its own copy of /etc/modprobe.d, as on a stock node (issue 13). The hook
 * fails the build if Debian's default ever changes. Only the module tree is smaller than a stock node's: the driver
 * classes a VM has no device for are removed (trimmedDrivers), to keep the guest's rebuild affordable under TCG.
 */
export const grubRecipe: BaseImageRecipe = withGrubBoot({
  ...defaultRecipe,
  packages: [...defaultRecipe.packages, 'apparmor'],
  customizeHooks: [
    'grep -qx MODULES=most "$1/etc/initramfs-tools/initramfs.conf" && ! grep -rqs "^MODULES=" "$1/etc/initramfs-tools/conf.d"',
    // The kernel's module tree without the driver classes MODULES=most packs and this VM has no device for
    // (ethernet and PHYs, SCSI, ATA, USB, HID, MMC, I2C, ...). mkinitramfs spawns a few processes per module, so
    // under TCG the guest's rebuild of Debian's 747-module initramfs took 6 min (362 s in CI); the trimmed one packs
    // floppy.ko, virtio and the file systems as before, in about a fifth of the modules. Rebuilt here, natively.
    `for d in "$1"/lib/modules/*/kernel/drivers; do (cd "$d" && rm -rf ${trimmedDrivers.join(' ')}); done`,
    'for v in $(ls "$1/lib/modules"); do chroot "$1" depmod -a "$v"; done',
    'chroot "$1" update-initramfs -u -k all',
  ],
});

/** knownRecipes are the recipes the suites use; their cached images are kept, others are pruned. */
export const knownRecipes: BaseImageRecipe[] = [defaultRecipe, cloudImageRecipe, grubRecipe];

/**
 * recipeKey is the cache key of a recipe: a short hash of its canonical JSON. Recipes that boot otherwise than the
 * default have the boot in their key (`base-grub-pc-…`), a name older harnesses neither reuse nor prune.
 */
export function recipeKey(recipe: BaseImageRecipe): string {
  const hash = createHash('sha256').update(JSON.stringify(recipe)).digest('hex').slice(0, 16);
  return recipe.boot ? `base-${recipe.boot}-${hash}` : `base-${hash}`;
}

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
const kubeletStandIn = '[Unit]\\nDescription=kubelet stand-in for the cosi VM tests\\nAfter=containerd.service\\n\\n[Service]\\nExecStart=/bin/sleep infinity\\n\\n[Install]\\nWantedBy=multi-user.target\\n';

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

/** knownRecipes are the recipes the suites use; their cached images are kept, others are pruned. */
export const knownRecipes: BaseImageRecipe[] = [defaultRecipe, cloudImageRecipe];

/** recipeKey is the cache key of a recipe: a short hash of its canonical JSON. */
export function recipeKey(recipe: BaseImageRecipe): string {
	return 'base-' + createHash('sha256').update(JSON.stringify(recipe)).digest('hex').slice(0, 16);
}

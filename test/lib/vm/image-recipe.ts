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

/** recipeKey is the cache key of a recipe: a short hash of its canonical JSON. */
export function recipeKey(recipe: BaseImageRecipe): string {
	return 'base-' + createHash('sha256').update(JSON.stringify(recipe)).digest('hex').slice(0, 16);
}

import {splitWords} from '../module/kernel-cmdline.js';

/** liveCmdlineFile is the running kernel's command line. */
export const liveCmdlineFile = '/proc/cmdline';

/**
 * cmdlineArgs returns the arguments of a kernel command line (`/proc/cmdline`, a grub.cfg `linux` line, a BLS
 * `options` line) without what the boot loader adds on its own (`BOOT_IMAGE=`, `initrd=`), so that the running
 * kernel's line and the boot loader's configuration compare. Pure.
 */
export function cmdlineArgs(text: string): string[] {
  return splitWords(text).filter((word) => !/^(BOOT_IMAGE|initrd)=/.test(word));
}

/** kernelArgPattern is the schema's pattern for one declared argument: nothing a shell or grub.cfg would interpret. */
export const kernelArgPattern = /^[A-Za-z0-9_][A-Za-z0-9_.,:=+/@%~^[\]-]*$/;

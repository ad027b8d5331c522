import {cmdlineArgs} from './cmdline.js';

/**
 * grubCfgEntries returns the kernel arguments of every `linux` command in a generated grub.cfg, in file order:
 * the first is the default entry (GRUB_DEFAULT=0), then the others (advanced options, recovery). Pure.
 */
export function grubCfgEntries(text: string): string[][] {
  const entries: string[][] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*linux(?:16|efi)?\s+\S+(.*)$/.exec(line);
    if (m) entries.push(cmdlineArgs(m[1]!));
  }
  return entries;
}

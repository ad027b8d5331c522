import {cmdlineArgs} from './cmdline.js';

/** blsEntriesDir holds the Boot Loader Specification entries that grubby edits on the RHEL family. */
export const blsEntriesDir = '/boot/loader/entries';

/** grubenvFile is GRUB's environment block on the RHEL family: `saved_entry`, and `kernelopts` on RHEL 8. */
export const grubenvFile = '/boot/grub2/grubenv';

/** BlsEntry is one boot entry: its file's stem and the arguments of its `options` line. */
export interface BlsEntry {
  readonly id: string;
  readonly args: readonly string[];
}

/**
 * parseBlsEntry reads the `options` line of a BLS entry; `$kernelopts` (RHEL 8 entries) is replaced with grubenv's
 * `kernelopts`. Pure.
 */
export function parseBlsEntry(id: string, text: string, grubenv: string | undefined): BlsEntry {
  const kernelopts = grubenv === undefined ? '' : (/^kernelopts=(.*)$/m.exec(grubenv)?.[1] ?? '');
  const options = text
    .split('\n')
    .filter((line) => /^options\s/.test(line))
    .map((line) => line.replace(/^options\s+/, '').replace(/\$kernelopts\b/g, kernelopts))
    .join(' ');
  return {id, args: cmdlineArgs(options)};
}

/**
 * defaultFirst orders entries with the default one first: grubenv's `saved_entry`, else the newest by name (grub's
 * BLS menu sorts entries by version, newest first). Pure.
 */
export function defaultFirst(entries: readonly BlsEntry[], grubenv: string | undefined): BlsEntry[] {
  const saved = grubenv === undefined ? undefined : /^saved_entry=(.*)$/m.exec(grubenv)?.[1]?.trim();
  const sorted = [...entries].sort((a, b) => b.id.localeCompare(a.id, 'en', {numeric: true}));
  const index = sorted.findIndex((e) => e.id === saved);
  return index <= 0 ? sorted : [sorted[index]!, ...sorted.slice(0, index), ...sorted.slice(index + 1)];
}

import {copyFileSync, mkdtempSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {basename, join} from 'node:path';
import {runHostCommand} from './run-command.js';

/** FileDisk is a throw-away ext4 disk image holding some host files, for a VM's `extraDisks`. */
export type FileDisk = {disk: string; label: string; dispose(): void};

/**
 * fileDisk makes an ext4 disk labelled `label` holding `files` (host paths, by their base names) with `mke2fs -d`,
 * nothing mounted; the guest mounts it with `mount -o ro LABEL=<label> DIR`. Files too large for the agent's channel
 * (an image archive, say) reach the guest this way.
 */
export async function fileDisk(label: string, files: string[]): Promise<FileDisk> {
  const dir = mkdtempSync(join(tmpdir(), 'cosi-file-disk-'));
  const content = join(dir, 'content');
  await runHostCommand(['mkdir', content], {timeoutMs: 10_000});
  let bytes = 0;
  for (const file of files) {
    copyFileSync(file, join(content, basename(file)));
    bytes += statSync(file).size;
  }
  const disk = join(dir, 'disk.raw');
  await ext4FromDir(content, label, disk, Math.ceil((bytes * 1.1) / 1e6) + 16, 120_000);
  rmSync(content, {recursive: true, force: true});
  return {disk, label, dispose: () => rmSync(dir, {recursive: true, force: true})};
}

/**
 * ext4FromDir writes an ext4 image of `megabytes` MB at `disk` holding the tree `dir`, labelled `label`, with
 * `mke2fs -d` and no journal (read-only data disks): nothing is mounted on this machine.
 */
export async function ext4FromDir(
  dir: string,
  label: string,
  disk: string,
  megabytes: number,
  timeoutMs = 5 * 60_000,
): Promise<void> {
  await runHostCommand(
    ['mke2fs', '-q', '-F', '-t', 'ext4', '-O', '^has_journal', '-L', label, '-d', dir, disk, `${megabytes}M`],
    {timeoutMs},
  );
}

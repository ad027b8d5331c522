import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {runHostCommand} from './run-command.js';

/**
 * makeNoCloudSeed writes a cloud-init NoCloud seed to `image`: a small FAT file system labelled `CIDATA` holding
 * `user-data` and `meta-data` (what `cloud-localds` makes), built with dosfstools and mtools, nothing mounted. Attached
 * to a VM as a disk, cloud-init's ds-identify finds it by its label.
 */
export async function makeNoCloudSeed(
  image: string,
  seed: {userData: string; instanceId: string; hostname: string},
): Promise<void> {
  const staging = mkdtempSync(join(tmpdir(), 'cosi-seed-'));
  try {
    writeFileSync(join(staging, 'user-data'), seed.userData);
    writeFileSync(join(staging, 'meta-data'), `instance-id: ${seed.instanceId}\nlocal-hostname: ${seed.hostname}\n`);
    rmSync(image, {force: true});
    await runHostCommand(['mkfs.vfat', '-n', 'CIDATA', '-C', image, '8192'], {timeoutMs: 60_000});
    await runHostCommand(['mcopy', '-i', image, join(staging, 'user-data'), join(staging, 'meta-data'), '::'], {
      timeoutMs: 60_000,
    });
  } finally {
    rmSync(staging, {recursive: true, force: true});
  }
}

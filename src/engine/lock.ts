import lockfile from 'proper-lockfile';
import type {Host} from '../host/host.js';

/** lockDir is where the apply lock lives on the node: /run is emptied at boot, so no lock outlives one. */
export const lockDir = '/run/cosi';

/** Lock is a held apply lock; release it when done. */
export interface Lock {
  release(): Promise<void>;
}

/**
 * acquireLock takes the node's apply lock (`/run/cosi/apply.lock`, proper-lockfile: an atomic mkdir refreshed
 * while held, taken over when its holder stopped refreshing it, i.e. died). It waits up to `timeoutMs`, then fails
 * naming the holder's PID.
 */
export async function acquireLock(host: Host, timeoutMs = 0): Promise<Lock> {
  await host.ensureDir(lockDir, 0o755);
  const target = host.hostPath(`${lockDir}/apply`);
  const pidFile = `${lockDir}/apply.pid`;
  const retries = timeoutMs > 0 ? {retries: Math.ceil(timeoutMs / 250), minTimeout: 250, maxTimeout: 250, factor: 1} : 0;
  try {
    const release = await lockfile.lock(target, {realpath: false, stale: 10_000, update: 2_000, retries, lockfilePath: `${target}.lock`});
    await host.writeAtomic(pidFile, `${process.pid}\n`);
    return {
      async release() {
        await host.remove(pidFile).catch(() => undefined);
        await release().catch(() => undefined);
      },
    };
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== 'ELOCKED') throw cause;
    const holder = (await host.readText(pidFile))?.trim();
    throw new Error(`another cosi apply holds the lock ${lockDir}/apply.lock${holder ? ` (PID ${holder})` : ''}; waited ${Math.round(timeoutMs / 1000)} s`);
  }
}

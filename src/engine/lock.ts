import {readlinkSync} from 'node:fs';
import lockfile from 'proper-lockfile';
import {OperationalError} from '../diag/cosi-error.js';
import type {Host} from '../host/host.js';

/** lockDir is where the apply lock lives on the node: /run is emptied at boot, so no lock outlives one. */
export const lockDir = '/run/cosi';

/** Lock is a held apply lock; release it when done. */
export interface Lock {
  release(): Promise<void>;
}

/** LockHolder is who holds the lock: a PID in a PID namespace, on one boot of the node. */
interface LockHolder {
  readonly pid: number;
  readonly pidNamespace: string;
  readonly bootId: string;
}

const staleMs = 10_000;

/**
 * acquireLock takes the node's apply lock (`/run/cosi/apply.lock`, proper-lockfile: an atomic mkdir refreshed
 * while held). A lock whose holder is gone is taken over: at once when the holder's PID is visible to us (same PID
 * namespace, same boot) and no longer alive, else once it has not been refreshed for 10 s. It waits up to
 * `timeoutMs` for a live holder, then fails naming its PID.
 */
export async function acquireLock(host: Host, timeoutMs = 0): Promise<Lock> {
  // The lock directory is resolved inside the root and held open: `ROOT/run -> elsewhere` cannot move the lock out.
  const held = await host.holdDir(lockDir, 0o755);
  const target = `${held.path}/apply`;
  const holderFile = `${lockDir}/apply.pid`;
  const me = await identity(host);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const release = await lockfile.lock(target, {realpath: false, stale: staleMs, update: 2_000, retries: 0, lockfilePath: `${target}.lock`});
      await host.writeAtomic(holderFile, JSON.stringify(me) + '\n');
      return {
        async release() {
          await host.remove(holderFile).catch(() => undefined);
          await release().catch(() => undefined);
          held.close();
        },
      };
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code !== 'ELOCKED') {
        held.close();
        throw cause instanceof OperationalError ? cause : new OperationalError(`cannot take the apply lock ${lockDir}/apply.lock${host.root === '/' ? '' : ` (under the root ${host.root})`}: ${(cause as Error).message}`, {cause});
      }
    }
    const holder = await readHolder(host, holderFile);
    if (holder && holder.pidNamespace === me.pidNamespace && holder.bootId === me.bootId && !alive(holder.pid)) {
      // The holder died (kill -9, power loss within a boot): its lock is stale now, not in 10 s.
      await host.remove(`${lockDir}/apply.lock`, {directory: true}).catch(() => undefined);
      await host.remove(holderFile).catch(() => undefined);
      continue;
    }
    if (Date.now() >= deadline) {
      held.close();
      const waited = timeoutMs > 0 ? `; waited ${Math.round(timeoutMs / 1000)} s (--lock-timeout)` : '; use --lock-timeout SECONDS to wait for it';
      throw new OperationalError(`another cosi apply holds the lock ${lockDir}/apply.lock${holder ? ` (PID ${holder.pid})` : ''}${waited}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function identity(host: Host): Promise<LockHolder> {
  const bootId = (await host.readText('/proc/sys/kernel/random/boot_id').catch(() => undefined))?.trim() ?? 'unknown';
  let pidNamespace = 'unknown';
  try {
    pidNamespace = readlinkSync('/proc/self/ns/pid');
  } catch {
    // No /proc: PID checks are skipped and only the refresh time counts.
  }
  return {pid: process.pid, pidNamespace, bootId};
}

async function readHolder(host: Host, file: string): Promise<LockHolder | undefined> {
  const text = (await host.readText(file).catch(() => undefined))?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return {pid: Number(text), pidNamespace: '', bootId: ''};
  try {
    const value = JSON.parse(text) as LockHolder;
    return typeof value?.pid === 'number' ? value : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (cause) {
    return (cause as NodeJS.ErrnoException).code === 'EPERM';
  }
}

import lockfile from 'proper-lockfile';
import {OperationalError} from '../diag/cosi-error.js';
import type {Host} from '../host/host.js';
import {ownPidNamespace} from '../host/own-process.js';

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
  // Who is about to take the lock is written before the lock's mkdir and renamed to the holder file after it, so a
  // kill between the two leaves a trace whose PID can be checked: the next apply need not wait for the lock to age.
  const intent = `${lockDir}/apply.pid.${me.pid}`;
  const giveUp = async (cause: unknown): Promise<never> => {
    await host.remove(intent).catch(() => undefined);
    held.close();
    throw cause;
  };
  await host.writeAtomic(intent, JSON.stringify(me) + '\n', {mode: 0o644}).catch(giveUp);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const release = await lockfile.lock(target, {
        realpath: false,
        stale: staleMs,
        update: 2_000,
        retries: 0,
        lockfilePath: `${target}.lock`,
      });
      await host.move(intent, holderFile);
      return {
        async release() {
          await host.remove(holderFile).catch(() => undefined);
          await release().catch(() => undefined);
          held.close();
        },
      };
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code !== 'ELOCKED') {
        await giveUp(
          cause instanceof OperationalError
            ? cause
            : new OperationalError(
                `cannot take the apply lock ${lockDir}/apply.lock${host.root === '/' ? '' : ` (under the root ${host.root})`}: ${(cause as Error).message}`,
                {cause},
              ),
        );
      }
    }
    const gone = (h: LockHolder) => h.pidNamespace === me.pidNamespace && h.bootId === me.bootId && !alive(h.pid);
    let holder = await readHolder(host, holderFile);
    let stale = holder ? gone(holder) : false;
    if (!holder) {
      // Intents first, then the holder file again: a taker renames its intent to the holder file, so one of the two
      // reads sees it.
      const intents = await readIntents(host, me);
      holder = await readHolder(host, holderFile);
      stale = holder ? gone(holder) : intents.every(({holder: h}) => h !== undefined && gone(h));
      if (stale) for (const {name} of intents) await host.remove(`${lockDir}/${name}`).catch(() => undefined);
    }
    if (stale) {
      // The holder died (kill -9, power loss within a boot), before or after writing its PID: stale now, not in 10 s.
      await host.remove(`${lockDir}/apply.lock`, {directory: true}).catch(() => undefined);
      await host.remove(holderFile).catch(() => undefined);
      continue;
    }
    if (Date.now() >= deadline) {
      const waited =
        timeoutMs > 0
          ? `; waited ${Math.round(timeoutMs / 1000)} s (--lock-timeout)`
          : '; use --lock-timeout SECONDS to wait for it';
      await giveUp(
        new OperationalError(
          `another cosi apply holds the lock ${lockDir}/apply.lock${holder ? ` (PID ${holder.pid})` : ''}${waited}`,
        ),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** readIntents reads the intents of other would-be holders (see acquireLock): a live taker always has one or the holder file. */
async function readIntents(host: Host, me: LockHolder): Promise<Array<{name: string; holder: LockHolder | undefined}>> {
  const names = ((await host.readDir(lockDir)) ?? []).filter(
    (n) => /^apply\.pid\.\d+$/.test(n) && n !== `apply.pid.${me.pid}`,
  );
  return Promise.all(names.map(async (name) => ({name, holder: await readHolder(host, `${lockDir}/${name}`)})));
}

async function identity(host: Host): Promise<LockHolder> {
  const bootId = (await host.readText('/proc/sys/kernel/random/boot_id').catch(() => undefined))?.trim() ?? 'unknown';
  // Without /proc the namespace is 'unknown': PID checks are skipped and only the refresh time counts.
  return {pid: process.pid, pidNamespace: ownPidNamespace(), bootId};
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

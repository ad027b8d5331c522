import {createHash} from 'node:crypto';
import type {Leftover} from '../../../engine/provider.js';
import {OperationalError} from '../../../diag/cosi-error.js';
import {describeFailure} from '../../../host/command.js';
import type {Host} from '../../../host/host.js';
import {heldRequests, heldRequestsMaxBytes, parseHeldRequests} from './held-restarts.js';

/** policyRcD is the file invoke-rc.d and deb-systemd-invoke consult before starting or restarting a service. */
export const policyRcD = '/usr/sbin/policy-rc.d';

/**
 * policyRcDMarker records, before cosi places its policy-rc.d, that the file is cosi's and what it holds. Removed
 * after the file is; one that is still there means a transaction was interrupted and its policy-rc.d may be left.
 */
export const policyRcDMarker = '/var/lib/cosi/policy-rc.d.json';

/**
 * denyAll is cosi's policy-rc.d: exit 101 means "action forbidden", so maintainer scripts start nothing. It records
 * each start-like request (`ID ACTION`, options skipped) in {@link heldRequests}, so that cosi carries the restarts
 * out after the transaction (see `parseHeldRequests`, which treats that file as hostile).
 */
export const denyAll = [
  '#!/bin/sh',
  '# Written by cosi for the duration of a package transaction; removed after it.',
  '# Forbids every start and records what was asked, for cosi to carry out after the transaction.',
  'while [ "$#" -gt 0 ]; do case "$1" in -*) shift ;; *) break ;; esac; done',
  'case "$1" in \'\'|-*|*[!A-Za-z0-9:_.@-]*) exit 101 ;; esac',
  'case "$2" in',
  `  start|restart|reload|force-reload|try-restart) printf '%s %s\\n' "$1" "$2" >>${heldRequests} 2>/dev/null ;;`,
  'esac',
  'exit 101',
  '',
].join('\n');

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Marker is what the marker file says: the path cosi placed and the digest of what it wrote there. */
interface Marker {
  readonly path: string;
  readonly sha256: string;
}

/** readMarker reads the marker; undefined when there is none, a string naming the problem when it is not cosi's. */
async function readMarker(host: Host): Promise<Marker | string | undefined> {
  const text = await host.readText(policyRcDMarker);
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  const marker = value as Partial<Marker> | null;
  if (
    typeof marker !== 'object' ||
    marker === null ||
    marker.path !== policyRcD ||
    typeof marker.sha256 !== 'string' ||
    !/^[0-9a-f]{64}$/.test(marker.sha256)
  ) {
    return `not {"path": "${policyRcD}", "sha256": HEX}`;
  }
  return {path: marker.path, sha256: marker.sha256};
}

/**
 * isCosis tells whether the policy-rc.d in place is the one cosi's marker describes: a regular file whose content has
 * the marker's digest. Anything else (no marker, another content, a symlink) belongs to the administrator.
 */
async function isCosis(host: Host, marker: Marker | string | undefined): Promise<boolean> {
  if (marker === undefined || typeof marker === 'string') return false;
  const info = await host.lstat(policyRcD);
  if (!info?.isFile()) return false;
  const text = await host.readText(policyRcD);
  return text !== undefined && sha256(text) === marker.sha256;
}

/**
 * withPolicyRcD runs `body` with a policy-rc.d that keeps maintainer scripts from starting or restarting services
 * mid-apply, and removes it afterwards whatever happens. The marker is written (durably) before the file, and removed
 * after it, so that a kill in between leaves a policy-rc.d that the next apply can tell from the administrator's
 * (see {@link policyRcDLeftovers}). An existing policy-rc.d that is not cosi's belongs to the administrator (or a
 * container image) and is left alone: then its policy applies.
 */
export async function withPolicyRcD<T>(host: Host, body: () => Promise<T>): Promise<T> {
  const marker = await readMarker(host);
  const present = (await host.lstat(policyRcD)) !== undefined;
  if (present && !(await isCosis(host, marker))) return body();
  await host.writeAtomic(policyRcDMarker, JSON.stringify({path: policyRcD, sha256: sha256(denyAll)}) + '\n', {
    mode: 0o600,
  });
  await host.remove(heldRequests);
  await host.writeAtomic(policyRcD, denyAll, {mode: 0o755});
  try {
    return await body();
  } finally {
    await host.remove(policyRcD);
    await host.remove(policyRcDMarker);
  }
}

/**
 * policyRcDLeftovers finds what an interrupted apt transaction left (read-only): cosi's policy-rc.d, recognized by the
 * marker's digest, which apply removes; a marker whose file is gone or is not cosi's any more, which apply removes
 * and whose policy-rc.d it leaves alone; a marker cosi did not write, which it names and leaves.
 */
export async function policyRcDLeftovers(host: Host): Promise<Leftover[]> {
  const marker = await readMarker(host);
  if (marker === undefined) return [];
  if (typeof marker === 'string') {
    return [
      {
        summary: `${policyRcDMarker} is ${marker}: it is not cosi's marker, so cosi cannot tell whether ${policyRcD} is its own and leaves both; look at them, and remove the marker`,
      },
    ];
  }
  if (await isCosis(host, marker)) {
    const busy = await dpkgBusy(host);
    const unfinished = !busy && (await dpkgInterrupted(host));
    const first = busy
      ? "first waits for the apt or dpkg still running (the killed apply's, orphaned), then "
      : unfinished
        ? "first finishes dpkg's interrupted run under it (dpkg --configure -a), then "
        : '';
    return [
      {
        summary: `${policyRcD} was left by an interrupted package transaction of cosi (it forbids every service start); cosi apply ${first}removes it`,
        remove: async () => {
          // The killed apply's apt and dpkg may still be running: their maintainer scripts keep the policy until done.
          await waitForDpkg(host);
          if (await dpkgInterrupted(host)) await finishDpkg(host);
          await host.remove(policyRcD);
          await host.remove(policyRcDMarker);
          return `removed ${policyRcD}, left by an interrupted package transaction of cosi`;
        },
      },
    ];
  }
  const present = (await host.lstat(policyRcD)) !== undefined;
  return [
    {
      summary: `${policyRcDMarker} is left by an interrupted package transaction${present ? `, but ${policyRcD} is not the file cosi wrote: it is the administrator's and stays` : ''}; cosi apply removes the marker`,
      remove: async () => {
        await host.remove(policyRcDMarker);
        return `removed ${policyRcDMarker}, left by an interrupted package transaction${present ? ` (${policyRcD} is not cosi's and was left alone)` : ''}`;
      },
    },
  ];
}

/** dpkgUpdates holds dpkg's journal of the run in progress: entries there mean a run was cut off (apt refuses then). */
const dpkgUpdates = '/var/lib/dpkg/updates';

async function dpkgInterrupted(host: Host): Promise<boolean> {
  return ((await host.readDir(dpkgUpdates)) ?? []).length > 0;
}

/**
 * finishDpkg runs `dpkg --configure -a` for a transaction of cosi's that a kill cut off (power loss, the unit's whole
 * cgroup killed), while cosi's policy-rc.d is still in place, so its maintainer scripts run under the policy they
 * started with. A failure throws naming the command and leaves the policy-rc.d and its marker for the next apply.
 */
async function finishDpkg(host: Host): Promise<void> {
  const request = {argv: ['dpkg', '--configure', '-a'], env: {DEBIAN_FRONTEND: 'noninteractive'}, timeoutMs: 1_800_000};
  const result = await host.run(request);
  if (!result.started || result.timedOut || result.exitCode !== 0) {
    throw new OperationalError(
      `finishing dpkg's interrupted run failed, so cosi's ${policyRcD} stays until the next apply: ${describeFailure(request, result)}`,
    );
  }
}

/** dpkgLocks are apt's frontend lock and dpkg's own, held (fcntl) for the whole of a transaction. */
const dpkgLocks = ['/var/lib/dpkg/lock-frontend', '/var/lib/dpkg/lock'];

/** dpkgWaitMs bounds the wait for a running apt or dpkg, as apt's own DPkg::Lock::Timeout does in a transaction. */
const dpkgWaitMs = 120_000;

/**
 * dpkgBusy tells whether a process holds apt's or dpkg's lock, from the kernel's table of POSIX locks (/proc/locks,
 * `ID: POSIX ADVISORY WRITE PID MAJ:MIN:INODE START END`), matched by the lock files' inode numbers. Read-only, runs
 * nothing; a root without /proc/locks has nothing running.
 */
async function dpkgBusy(host: Host): Promise<boolean> {
  const table = await host.readText('/proc/locks');
  if (table === undefined) return false;
  const inodes = new Set(
    (await Promise.all(dpkgLocks.map((path) => host.stat(path)))).flatMap((info) => (info ? [String(info.ino)] : [])),
  );
  if (inodes.size === 0) return false;
  return table.split('\n').some((line) => {
    const id = line.split(/\s+/).find((field) => /^[0-9a-f]+:[0-9a-f]+:\d+$/.test(field));
    return id !== undefined && inodes.has(id.split(':')[2]!);
  });
}

async function waitForDpkg(host: Host): Promise<void> {
  const end = Date.now() + dpkgWaitMs;
  while (await dpkgBusy(host)) {
    if (Date.now() > end) {
      throw new OperationalError(
        `apt or dpkg held ${dpkgLocks.join(' or ')} for more than ${dpkgWaitMs / 1000} s after an interrupted package transaction of cosi; its ${policyRcD} stays until the next apply`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * takeHeldRestarts reads the units whose starts and restarts cosi's policy-rc.d held during the last transaction
 * (see {@link parseHeldRequests}) and removes the record. A record that is not a regular file (a symlink, a
 * directory planted under the root) is removed unread.
 */
export async function takeHeldRestarts(host: Host): Promise<string[]> {
  const info = await host.lstat(heldRequests);
  if (info === undefined) return [];
  const text =
    info.isFile() && info.size <= heldRequestsMaxBytes * 4 ? ((await host.readText(heldRequests)) ?? '') : '';
  await host.remove(heldRequests);
  return parseHeldRequests(text);
}

import {payload} from '../../plan/change.js';
import {appliedRecord} from '../../engine/state.js';
import type {ApplyOutcome, ApplyRequest} from '../../engine/provider.js';
import {describeFailure} from '../../host/command.js';
import type {Host} from '../../host/host.js';
import type {PackageBackend, TransactionOptions} from './backend.js';
import {restartAfterTransaction} from './apply-aftermath.js';
import {backends} from './backends.js';
import type {PackageChangeData, Transaction} from './change-data.js';
import {compareVersions} from './version/index.js';
import {isPresent} from './wanted.js';

/** packageTransactionOptions: how long a transaction waits for another package manager process to let go. */
export const packageTransactionOptions: TransactionOptions = {lockTimeoutSeconds: 120};

/**
 * applyPackage carries out one planned package change. The carrier of a transaction runs it (inside the backend's
 * safeguards) and checks with one query that every package it names reached its version (or is gone); its group's
 * other changes only record what the carrier did. `forget` ends management without touching the node. A failed
 * transaction throws with the manager's own words and says the node is as the manager left it; running apply
 * again plans from there. Idempotent: a transaction that already happened installs nothing new.
 */
export async function applyPackage({host, change, state}: ApplyRequest<PackageChangeData>): Promise<ApplyOutcome> {
  const data = payload(change);
  const previous = state.resources[change.address];
  switch (data.op) {
    case 'none':
      return previous ? {record: previous} : {forget: true};
    case 'forget':
      return {forget: true};
    case 'install':
      if (data.transaction) await runTransaction(host, backends[data.manager], data.transaction);
      return {
        record: appliedRecord({state, change, original: change.original ?? change.before, applied: data.version}),
      };
    case 'remove':
      if (data.transaction) await runTransaction(host, backends[data.manager], data.transaction);
      return {forget: true};
    case 'refresh':
      await refreshLists(host, backends[data.manager]);
      return {forget: true};
  }
}

/**
 * refreshLists runs the manager's own refresh of its lists and then writes its refresh stamp, so that the next plan
 * sees fresh lists even when no index changed. A failure throws with the manager's words; the lists are as it left
 * them.
 */
async function refreshLists(host: Host, backend: PackageBackend): Promise<void> {
  const request = backend.refreshCommand(packageTransactionOptions);
  const result = await host.run(request);
  if (!result.started || result.timedOut || result.exitCode !== 0) {
    throw new Error(
      backend.lockProblem(result, packageTransactionOptions) ??
        `refreshing the ${backend.tools} package lists failed: ${describeFailure(request, result)}`,
    );
  }
  if (backend.refreshStamp) {
    await host.writeAtomic(backend.refreshStamp, `${new Date().toISOString()}\n`, {mode: 0o644});
  }
}

async function runTransaction(host: Host, backend: PackageBackend, transaction: Transaction): Promise<void> {
  const options = packageTransactionOptions;
  const request =
    transaction.op === 'install'
      ? backend.installTransaction(transaction.items, options)
      : backend.removeTransaction(transaction.names, options);
  const body = () => host.run(request);
  const result = backend.around ? await backend.around(host, body) : await body();
  if (!result.started || result.timedOut || result.exitCode !== 0) {
    const lock = backend.lockProblem(result, options);
    throw new Error(
      lock ??
        `the ${backend.tools} ${transaction.op} transaction failed; the node is as ${backend.tools.split('/')[0]} left it (cosi does not roll back packages), and the next apply plans again from there: ${describeFailure(request, result)}`,
    );
  }
  await verify(host, backend, transaction);
  await restartAfterTransaction(host, backend, transaction);
}

/** verify checks, with one installed-package query, that the transaction did what it was asked to. */
async function verify(host: Host, backend: PackageBackend, transaction: Transaction): Promise<void> {
  const request = backend.installedQuery();
  const result = await host.run(request);
  if (result.exitCode !== 0)
    throw new Error(
      `the ${transaction.op} transaction finished, but checking its result failed: ${describeFailure(request, result)}`,
    );
  const now = new Map(backend.parseInstalled(result.stdout).map((p) => [p.name, p]));
  const wrong =
    transaction.op === 'install'
      ? transaction.items
          .filter((item) => {
            const found = now.get(item.name);
            return found?.state !== 'installed' || compareVersions(backend.manager, found.version, item.version) !== 0;
          })
          .map(
            (item) =>
              `${item.name} is ${isPresent(now.get(item.name)) ? `at ${now.get(item.name)!.version} (${now.get(item.name)!.state})` : 'not installed'}, not ${item.version}`,
          )
      : transaction.names.filter((name) => isPresent(now.get(name))).map((name) => `${name} is still installed`);
  if (wrong.length > 0)
    throw new Error(`${backend.tools} reported success, but ${wrong.join('; ')}; run cosi apply again to retry`);
}

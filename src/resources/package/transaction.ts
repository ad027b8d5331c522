import {digest} from '../../engine/digest.js';
import type {Change} from '../../plan/change.js';
import {restartDisruption} from '../../plan/disruption.js';
import type {PackageChangeData, Transaction, TransactionAftermath} from './change-data.js';
import {describeStep, type PreviewStep} from './transaction-preview.js';

/**
 * BundleContext is what the probe learnt about the transactions: the resolver's answers (`preview`,
 * `removalPreview`), the restarts each package changed in place owes (`restarts`, dependencies included), the
 * document's `restartServices`, and the change the transactions come `after` (the lists' refresh) with its inputs.
 */
export interface BundleContext {
  readonly preview?: readonly PreviewStep[];
  readonly removalPreview?: readonly PreviewStep[];
  readonly restarts?: Readonly<Record<string, readonly string[]>>;
  readonly restartServices?: 'requested' | 'auto';
  readonly after?: string;
  readonly afterInputs?: string;
}

/**
 * bundleTransactions turns per-package changes into at most two package-manager transactions, within the engine's
 * one-change-at-a-time contract.
 *
 * Why a carrier: the engine applies one change at a time, in dependency order, and stops at the first failure.
 * A package manager must instead see all installs at once (dependencies between them are resolved together, and
 * apt or dnf run once instead of N times). So the first install change (by address) carries the whole install
 * transaction in its `data`, and every other install change depends on it and is bookkeeping: it records the
 * version in cosi's state, nothing more. Likewise the first removal carries the removal transaction and depends on
 * the install carrier, so installs come before removals. If the transaction fails, the carrier fails, the engine
 * stops, and none of the bookkeeping changes is recorded: the node is as the manager left it and the next apply
 * plans again from it. The plan still shows one change per package, with the carrier saying what it carries, and
 * its `inputs` cover every member's probed state, so a saved plan goes stale when any of them changes.
 * (A synthetic `package.<manager>` change was the alternative; it would collide with real package names such as
 * `apt` and hide which packages the transaction touches.) Pure.
 */
export function bundleTransactions(
  changes: readonly Change<PackageChangeData>[],
  context: BundleContext = {},
): Change<PackageChangeData>[] {
  const installs = changes.filter((c) => (c.data as PackageChangeData).op === 'install' && c.action !== 'noop');
  const removals = changes.filter((c) => (c.data as PackageChangeData).op === 'remove' && c.action !== 'noop');
  const installCarrier = carrierOf(installs);
  const removeCarrier = carrierOf(removals);
  const rewritten = new Map<string, Change<PackageChangeData>>();

  if (installCarrier) {
    const items = sorted(installs).map((c) => {
      const data = c.data as Extract<PackageChangeData, {op: 'install'}>;
      return {name: data.name, version: data.version};
    });
    rewritten.set(
      installCarrier.address,
      withDependencyRestarts(
        carry(
          installCarrier,
          {op: 'install', items, ...aftermath(installs, context)},
          installs,
          context,
          context.preview,
        ),
        installs,
        context,
      ),
    );
    for (const member of installs)
      if (member !== installCarrier) rewritten.set(member.address, follow(member, installCarrier.address));
  }
  if (removeCarrier) {
    const names = sorted(removals).map((c) => (c.data as {name: string}).name);
    const carried = carry(removeCarrier, {op: 'remove', names}, removals, context, context.removalPreview);
    rewritten.set(
      removeCarrier.address,
      installCarrier ? {...carried, dependsOn: [...carried.dependsOn, installCarrier.address]} : carried,
    );
    for (const member of removals)
      if (member !== removeCarrier) rewritten.set(member.address, follow(member, removeCarrier.address));
  }
  return changes.map((c) => rewritten.get(c.address) ?? c);
}

function sorted(changes: readonly Change<PackageChangeData>[]): Change<PackageChangeData>[] {
  return [...changes].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}

function carrierOf(changes: readonly Change<PackageChangeData>[]): Change<PackageChangeData> | undefined {
  return sorted(changes)[0];
}

function carry(
  carrier: Change<PackageChangeData>,
  transaction: Transaction,
  members: readonly Change<PackageChangeData>[],
  context: BundleContext,
  preview: readonly PreviewStep[] | undefined,
): Change<PackageChangeData> {
  const count = transaction.op === 'install' ? transaction.items.length : transaction.names.length;
  const what =
    transaction.op === 'install' ? transaction.items.map((i) => `${i.name}=${i.version}`) : transaction.names;
  const details =
    preview && preview.length > 0
      ? [
          `one ${transaction.op} transaction; the resolver's answer, dependencies included:`,
          ...preview.map((step) => `  ${describeStep(step)}`),
        ]
      : [`one ${transaction.op} transaction: ${what.join(' ')}`];
  return {
    ...carrier,
    reason:
      count > 1
        ? `${carrier.reason} (carries the ${transaction.op} transaction for ${count} packages)`
        : carrier.reason,
    details,
    dependsOn: context.after ? [...carrier.dependsOn, context.after] : carrier.dependsOn,
    inputs: digest({
      members: sorted(members).map((m) => m.inputs),
      ...(preview ? {preview} : {}),
      ...(context.afterInputs ? {after: context.afterInputs} : {}),
    }),
    data: {...(carrier.data as PackageChangeData), transaction} as PackageChangeData,
  };
}

/** aftermath says what apply does after the install transaction (see `TransactionAftermath`). */
function aftermath(installs: readonly Change<PackageChangeData>[], context: BundleContext): TransactionAftermath {
  const owed = new Set<string>();
  for (const member of installs) for (const unit of memberRestarts(member)) owed.add(unit);
  for (const units of Object.values(context.restarts ?? {})) for (const unit of units) owed.add(unit);
  const changed = (context.preview ?? [])
    .filter((s) => s.op === 'upgrade' || s.op === 'downgrade' || s.op === 'reinstall')
    .map((s) => s.name);
  return {
    ...(owed.size > 0 ? {owed: [...owed].sort()} : {}),
    ...(changed.length > 0 ? {changed} : {}),
    ...(context.restartServices === 'auto' ? {restartServices: 'auto' as const} : {}),
  };
}

function memberRestarts(change: Change<PackageChangeData>): readonly string[] {
  const data = change.data as PackageChangeData;
  return data.op === 'install' ? (data.restarts ?? []) : [];
}

/**
 * withDependencyRestarts gives the carrier the restarts owed by packages the transaction changes in place that the
 * document does not name (openssh-client upgraded with openssh-server): no change of their own can owe them.
 */
function withDependencyRestarts(
  carrier: Change<PackageChangeData>,
  installs: readonly Change<PackageChangeData>[],
  context: BundleContext,
): Change<PackageChangeData> {
  const named = new Set(installs.map((c) => (c.data as {name: string}).name));
  const units = Object.entries(context.restarts ?? {})
    .filter(([name]) => !named.has(name))
    .flatMap(([, u]) => u);
  const data = carrier.data as Extract<PackageChangeData, {op: 'install'}>;
  const all = [...new Set([...(data.restarts ?? []), ...units])].sort();
  if (all.length === (data.restarts ?? []).length) return carrier;
  return {
    ...carrier,
    reason: `${carrier.reason}; the transaction owes restarts of ${all.join(', ')}`,
    disruption: carrier.disruption === 'none' ? restartDisruption(all[0]!) : carrier.disruption,
    data: {...data, restarts: all},
  };
}

function follow(member: Change<PackageChangeData>, carrier: string): Change<PackageChangeData> {
  return {
    ...member,
    reason: `${member.reason} (in the transaction carried by ${carrier})`,
    dependsOn: [...member.dependsOn, carrier],
    data: {...(member.data as PackageChangeData), carrier} as PackageChangeData,
  };
}

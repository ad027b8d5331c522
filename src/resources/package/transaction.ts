import {digest} from '../../engine/digest.js';
import {payload, type Change} from '../../plan/change.js';
import type {PackageChangeData, Transaction} from './change-data.js';

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
export function bundleTransactions(changes: readonly Change<PackageChangeData>[]): Change<PackageChangeData>[] {
  const installs = changes.filter((c) => c.data?.op === 'install' && c.action !== 'noop');
  const removals = changes.filter((c) => c.data?.op === 'remove' && c.action !== 'noop');
  const installCarrier = carrierOf(installs);
  const removeCarrier = carrierOf(removals);
  const rewritten = new Map<string, Change<PackageChangeData>>();

  if (installCarrier) {
    const items = sorted(installs).map((c) => {
      const data = c.data as Extract<PackageChangeData, {op: 'install'}>;
      return {name: data.name, version: data.version};
    });
    rewritten.set(installCarrier.address, carry(installCarrier, {op: 'install', items}, installs));
    for (const member of installs)
      if (member !== installCarrier) rewritten.set(member.address, follow(member, installCarrier.address));
  }
  if (removeCarrier) {
    const names = sorted(removals).map((c) => payload(c).name);
    const carried = carry(removeCarrier, {op: 'remove', names}, removals);
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
): Change<PackageChangeData> {
  const count = transaction.op === 'install' ? transaction.items.length : transaction.names.length;
  const what =
    transaction.op === 'install' ? transaction.items.map((i) => `${i.name}=${i.version}`) : transaction.names;
  return {
    ...carrier,
    reason:
      count > 1
        ? `${carrier.reason} (carries the ${transaction.op} transaction for ${count} packages)`
        : carrier.reason,
    details: [`one ${transaction.op} transaction: ${what.join(' ')}`],
    inputs: digest(sorted(members).map((m) => m.inputs)),
    data: {...payload(carrier), transaction} as PackageChangeData,
  };
}

function follow(member: Change<PackageChangeData>, carrier: string): Change<PackageChangeData> {
  return {
    ...member,
    reason: `${member.reason} (in the transaction carried by ${carrier})`,
    dependsOn: [...member.dependsOn, carrier],
    data: {...payload(member), carrier} as PackageChangeData,
  };
}

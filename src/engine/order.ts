import {bug} from '../diag/cosi-error.js';
import type {Change} from '../plan/change.js';
import {resourceKinds} from '../plan/resource-kind.js';

/**
 * orderChanges sorts changes so that every change comes after the changes it depends on; between independent
 * changes, the kind order (`resourceKinds`) and then the address decide, so the order is stable. Dependencies on
 * addresses that have no change in the plan are already satisfied. A cycle is a bug in a provider.
 */
export function orderChanges(changes: readonly Change[]): Change[] {
  const byAddress = new Map(changes.map((c) => [c.address, c]));
  const rank = (c: Change) => resourceKinds.indexOf(c.kind);
  const compare = (a: Change, b: Change) =>
    rank(a) - rank(b) || (a.address < b.address ? -1 : a.address > b.address ? 1 : 0);
  const waiting = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const change of changes) {
    const deps = change.dependsOn.filter((d) => byAddress.has(d) && d !== change.address);
    waiting.set(change.address, deps.length);
    for (const dep of deps) dependents.set(dep, [...(dependents.get(dep) ?? []), change.address]);
  }
  const ready = changes.filter((c) => waiting.get(c.address) === 0).sort(compare);
  const ordered: Change[] = [];
  while (ready.length > 0) {
    const next = ready.shift()!;
    ordered.push(next);
    for (const dependent of dependents.get(next.address) ?? []) {
      const left = waiting.get(dependent)! - 1;
      waiting.set(dependent, left);
      if (left === 0) {
        ready.push(byAddress.get(dependent)!);
        ready.sort(compare);
      }
    }
  }
  if (ordered.length !== changes.length) {
    const stuck = changes.filter((c) => !ordered.includes(c)).map((c) => c.address);
    bug(`dependency cycle between ${stuck.join(', ')}`);
  }
  return ordered;
}

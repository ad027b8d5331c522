import type {DesiredState} from '../../config/desired-state.js';
import {warning, type Diagnostic} from '../../diag/diagnostic.js';
import {digest} from '../../engine/digest.js';
import type {Change} from '../../plan/change.js';
import type {Condition} from '../../plan/condition.js';
import {address} from '../../plan/resource-kind.js';
import {backends} from './backends.js';
import type {PackageChangeData} from './change-data.js';
import {describeLists, describeSeconds, isStale, staleWarningSeconds} from './lists.js';
import type {PackageObserved} from './probe.js';
import {wantedPackages} from './wanted.js';

/** listsAddress is the address of the refresh of the package lists (SPEC §2). */
export const listsAddress = address('package', 'lists');

/** ListsPlan is the refresh change, or with refresh off the warning and condition about stale lists. */
export interface ListsPlan {
  readonly change?: Change<PackageChangeData>;
  readonly diagnostics: readonly Diagnostic[];
  readonly conditions: readonly Condition[];
}

/**
 * planLists plans `packages.refresh`. With `maxAge`, lists that are missing or older get the change `package.lists`
 * (`create` when missing, else `update`; the reason gives their age), which runs the manager's own refresh; the
 * package transactions depend on it. With `never`, lists missing or older than a day over `latest` or `>=` packages
 * are a warning and a condition: the plan then never says the node matches as if the lists were current. Pure.
 */
export function planLists(desired: DesiredState, observed: PackageObserved): ListsPlan {
  const {manager, lists} = observed;
  if (!manager || !lists) return {diagnostics: [], conditions: []};
  const {refresh} = desired.packages;
  const tool = backends[manager].refreshCommand({lockTimeoutSeconds: 0}).argv.slice(0, 2).join(' ');
  if (refresh !== 'never') {
    if (!isStale(lists, refresh.maxAgeSeconds)) return {diagnostics: [], conditions: []};
    const text = describeLists(lists);
    return {
      diagnostics: [],
      conditions: [],
      change: {
        address: listsAddress,
        kind: 'package',
        action: lists.missing ? 'create' : 'update',
        before: text,
        after: 'refreshed',
        reason: `the ${manager} package lists are ${text}${lists.missing ? '' : `, older than maxAge ${describeSeconds(refresh.maxAgeSeconds)}`}: cosi runs ${tool} before the package transactions${observed.listsView ? ' (this plan read what the repositories offer now from a private refresh)' : ''}`,
        disruption: 'none',
        dependsOn: [],
        inputs: digest({lists: lists.missing ? 'missing' : 'old'}),
        data: {op: 'refresh', manager} satisfies PackageChangeData,
      },
    };
  }
  const checked = wantedPackages(desired, manager).filter(
    (w) => 'constraint' in w && (w.constraint.kind === 'latest' || w.constraint.kind === 'atLeast'),
  );
  if (checked.length === 0 || !isStale(lists, staleWarningSeconds)) return {diagnostics: [], conditions: []};
  const names = checked.map((w) => w.name).join(', ');
  const message = `the ${manager} package lists are ${describeLists(lists)} and packages.refresh is never: ${names} ${checked.length > 1 ? 'were' : 'was'} checked ${lists.missing ? 'without them' : 'against what the repositories offered when they were last refreshed'}, so a newer version (a security fix) may be on offer unseen; set packages.refresh (maxAge: 24h) or run ${tool}`;
  const path =
    desired.config.spec?.packages?.refresh !== undefined ? ['spec', 'packages', 'refresh'] : ['spec', 'packages'];
  return {
    diagnostics: [warning(message, {path, address: listsAddress})],
    conditions: [{address: listsAddress, kind: 'package', type: 'package-lists-stale', message}],
  };
}

import {error, type Diagnostic, type DocumentPath} from '../../diag/diagnostic.js';
import {digest} from '../../engine/digest.js';
import type {PlanRequest, ProviderPlan} from '../../engine/provider.js';
import {managedOfKind} from '../../engine/state.js';
import {restartDisruption} from '../../plan/disruption.js';
import type {Change} from '../../plan/change.js';
import {address} from '../../plan/resource-kind.js';
import type {PackageChangeData} from './change-data.js';
import {decidePackage, type Decision} from './decide.js';
import type {PackageObserved} from './probe.js';
import {planLists} from './plan-lists.js';
import {bundleTransactions} from './transaction.js';
import {isPresent, wantedPackages} from './wanted.js';

/**
 * planPackages plans `spec.packages` (with the runtime's and CSI drivers' packages merged in): `create` installs a
 * missing package, `update` upgrades, downgrades or reinstalls a present one to exactly the version chosen (the
 * reason says which), `delete` removes a package listed under `remove`. A package that leaves the document is only
 * forgotten (a `delete` that changes nothing on the node): cosi never uninstalls what the document did not ask it
 * to remove. Installs and removals are bundled into one transaction each (see `bundleTransactions`). Upgrading the
 * package a declared unit or the runtime runs costs `restart:<unit>`. Errors: a version nobody offers, an unknown
 * package, a held package that would change, a removal that would take unlisted packages along. Pure.
 */
export function planPackages({
  desired,
  observed,
  state,
}: PlanRequest<PackageObserved>): ProviderPlan<PackageChangeData> {
  const changes: Change<PackageChangeData>[] = [];
  const diagnostics: Diagnostic[] = [];
  const {manager} = observed;
  const wantsPackages = desired.packages.install.size > 0 || desired.packages.remove.size > 0;
  if (observed.problem && wantsPackages) diagnostics.push(error(observed.problem, {path: ['spec', 'packages']}));

  if (manager) {
    for (const wanted of wantedPackages(desired, manager)) {
      const path = desired.packages.install.get(wanted.name)!.paths[0]!;
      if ('error' in wanted) {
        diagnostics.push(error(`package ${wanted.name}: ${wanted.error}`, {path}));
        continue;
      }
      const installed = observed.installed[wanted.name];
      const addr = address('package', wanted.name);
      const managed = state.resources[addr] !== undefined;
      const decision = decidePackage({
        manager,
        name: wanted.name,
        text: wanted.text,
        constraint: wanted.constraint,
        installed,
        offer: observed.offers[wanted.name],
      });
      const base = {
        address: addr,
        kind: 'package' as const,
        before: isPresent(installed) ? installed.version : null,
        dependsOn: [],
        inputs: inputsOf(observed, wanted.name),
      };
      switch (decision.kind) {
        case 'error':
          diagnostics.push(error(decision.summary, {path, address: addr}));
          break;
        case 'noop':
          changes.push({
            ...base,
            action: 'noop',
            after: base.before,
            reason: decision.reason,
            disruption: 'none',
            data: {op: 'none', name: wanted.name} satisfies PackageChangeData,
          });
          break;
        case 'change': {
          const planned = installChange(observed, base, decision, {name: wanted.name, path, managed});
          if ('severity' in planned) diagnostics.push(planned);
          else changes.push(planned);
        }
      }
    }

    planRemovals(desired, observed, state, changes, diagnostics);
    if (observed.removalExtras.length > 0) {
      const listed = [...desired.packages.remove.keys()].filter((n) => isPresent(observed.installed[n]));
      diagnostics.push(
        error(
          `removing ${listed.join(', ')} would also remove ${observed.removalExtras.join(', ')}, which the document does not list under remove; cosi removes only what the document names: list them too, or keep ${listed.length > 1 ? 'these' : 'it'}`,
          {path: ['spec', 'packages', 'remove']},
        ),
      );
    }
  }

  for (const [addr] of managedOfKind(state, 'package')) {
    const name = addr.slice('package.'.length);
    if (desired.packages.install.has(name) || desired.packages.remove.has(name)) continue;
    const installed = observed.installed[name];
    const version = isPresent(installed) ? installed.version : null;
    changes.push({
      address: addr,
      kind: 'package',
      action: 'delete',
      before: version,
      after: version,
      reason: `no longer in the document: cosi stops managing it and leaves it ${version === null ? 'as it is' : `installed (${version})`}; only packages listed under remove are uninstalled`,
      disruption: 'none',
      dependsOn: [],
      inputs: inputsOf(observed, name),
      data: {op: 'forget', name} satisfies PackageChangeData,
    });
  }
  const lists = planLists(desired, observed);
  diagnostics.push(...lists.diagnostics);
  const bundled = bundleTransactions(changes, {
    ...(observed.preview ? {preview: observed.preview.steps} : {}),
    ...(observed.removalSteps ? {removalPreview: observed.removalSteps} : {}),
    restarts: observed.restarts ?? {},
    restartServices: desired.packages.restartServices,
    ...(lists.change ? {after: lists.change.address, afterInputs: lists.change.inputs} : {}),
  });
  return {changes: lists.change ? [lists.change, ...bundled] : bundled, diagnostics, conditions: lists.conditions};
}

/** planRemovals plans the `remove` entries: `delete` for an installed one, a forget or a noop otherwise. */
function planRemovals(
  desired: PlanRequest<PackageObserved>['desired'],
  observed: PackageObserved,
  state: PlanRequest<PackageObserved>['state'],
  changes: Change<PackageChangeData>[],
  diagnostics: Diagnostic[],
): void {
  const manager = observed.manager!;
  for (const [name, path] of desired.packages.remove) {
    const installed = observed.installed[name];
    const addr = address('package', name);
    const base = {
      address: addr,
      kind: 'package' as const,
      dependsOn: [],
      inputs: inputsOf(observed, name),
      disruption: 'none' as const,
    };
    if (!isPresent(installed)) {
      if (state.resources[addr] !== undefined)
        changes.push({
          ...base,
          action: 'delete',
          before: null,
          after: null,
          reason: 'not installed, as the document asks; cosi stops tracking it',
          data: {op: 'forget', name},
        });
      else
        changes.push({
          ...base,
          action: 'noop',
          before: null,
          after: null,
          reason: 'not installed',
          data: {op: 'none', name},
        });
      continue;
    }
    if (installed.held) {
      diagnostics.push(heldError(name, `remove it (${installed.version})`, path, addr));
      continue;
    }
    changes.push({
      ...base,
      action: 'delete',
      before: installed.version,
      after: null,
      reason: `installed ${installed.version}; the document lists it under remove`,
      data: {op: 'remove', manager, name} satisfies PackageChangeData,
    });
  }
}

type ChangeBase = Pick<Change<PackageChangeData>, 'address' | 'kind' | 'before' | 'dependsOn' | 'inputs'>;

/**
 * installChange is the change (or the held-package error) for one `install` entry whose decision is a change: `create`
 * for a missing package, else `update` owing the restarts of the units it runs (`restartsOf`). Pure.
 */
function installChange(
  observed: PackageObserved,
  base: ChangeBase,
  decision: Extract<Decision, {kind: 'change'}>,
  entry: {name: string; path: DocumentPath; managed: boolean},
): Change<PackageChangeData> | Diagnostic {
  const {name, path, managed} = entry;
  const installed = observed.installed[name];
  if (installed?.held)
    return heldError(
      name,
      `${decision.direction} it from ${installed.version} to ${decision.target}`,
      path,
      base.address,
    );
  const units = decision.direction === 'install' ? [] : restartsOf(observed, name);
  return {
    ...base,
    action: decision.direction === 'install' ? 'create' : 'update',
    after: decision.target,
    reason:
      units.length === 0
        ? decision.reason
        : `${decision.reason}; ${units.join(', ')} ${units.length > 1 ? 'run' : 'runs'} it and must restart to use the new version`,
    disruption: units.length > 0 ? restartDisruption(units[0]!) : 'none',
    ...(managed ? {} : {original: base.before}),
    data: {
      op: 'install',
      manager: observed.manager!,
      name,
      version: decision.target,
      ...(units.length > 0 ? {restarts: units} : {}),
    } satisfies PackageChangeData,
  };
}

function inputsOf(observed: PackageObserved, name: string): string {
  return digest({
    manager: observed.manager ?? null,
    installed: observed.installed[name] ?? null,
    offer: observed.offers[name] ?? null,
  });
}

/** restartsOf lists the units an in-place change of `name` owes restarts of: declared units it runs, and active ones it ships. */
function restartsOf(observed: PackageObserved, name: string): string[] {
  const declared = Object.keys(observed.unitPackages).filter((u) => observed.unitPackages[u] === name);
  return [...new Set([...declared, ...(observed.restarts?.[name] ?? [])])].sort();
}

function heldError(name: string, change: string, path: DocumentPath, addr: string): Diagnostic {
  return error(
    `package ${name} is held by the node's administrator (apt-mark hold); cosi does not override a hold: the document asks to ${change}. Release it with \`apt-mark unhold ${name}\` or change the document`,
    {path, address: addr},
  );
}

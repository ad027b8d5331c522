import {error, warning, type Diagnostic} from '../../diag/diagnostic.js';
import {digest} from '../../engine/digest.js';
import type {PlanRequest, ProviderPlan} from '../../engine/provider.js';
import {managedOfKind} from '../../engine/state.js';
import type {Change} from '../../plan/change.js';
import {address} from '../../plan/resource-kind.js';
import {wantedServices, type ServiceObserved} from './probe.js';
import {isEnabled, isRunning} from './systemctl-show.js';
import type {OwedRestart} from './owed-restarts.js';
import {fullUnitName} from '../../names/unit-name.js';
import {serviceAddress} from './service-address.js';

/** ServiceOriginal is a unit's state before cosi first changed it (null enabled: neither enabled nor disabled, e.g. static). */
export interface ServiceOriginal {
  readonly unit: string;
  readonly enabled: boolean | null;
  readonly running: boolean;
}

/** ServiceChangeData is what apply runs: enable/disable, start/stop, and an owed restart merged in by the engine. */
export interface ServiceChangeData {
  readonly unit: string;
  readonly enable?: boolean;
  readonly start?: boolean;
  readonly original?: ServiceOriginal;
  readonly restart?: OwedRestart;
}

/**
 * planServices compares each declared unit (and the runtime's unit) with systemd: `enable`/`disable` and
 * `start`/`stop` as needed, in one change per unit; `delete` for managed units no longer declared, putting back the
 * enabled and running state cosi found. A unit systemd does not know is an error, unless the plan installs packages
 * (the unit may come with one; the change then follows them). Without systemd in the root every unit is a warning
 * saying it cannot be managed there. Restarts owed by other changes are added after planning (`planOwedRestarts`). Pure.
 */
export function planServices({
  desired,
  observed,
  state,
}: PlanRequest<ServiceObserved>): ProviderPlan<ServiceChangeData> {
  const changes: Change<ServiceChangeData>[] = [];
  const diagnostics: Diagnostic[] = [];
  const wanted = wantedServices({desired});
  const packages = [...desired.packages.install.keys()].map((name) => address('package', name));
  if (!observed.systemd) {
    for (const [unit, service] of wanted) {
      diagnostics.push(
        warning(
          `service ${unit} cannot be managed here: systemd is not running in this root (no /run/systemd/system)`,
          {
            path: service.paths[0]!,
            detail:
              'enable the unit in the image, or run cosi on the booted node (cosi-apply.service); restarts owed to it are skipped',
          },
        ),
      );
    }
    return {changes, diagnostics};
  }
  for (const [unit, service] of wanted) {
    const addr = serviceAddress(unit);
    const status = observed.units[unit];
    const record = state.resources[addr];
    const path = service.paths[0]!;
    if (!status || status.loadState === 'not-found') {
      if (packages.length === 0) {
        diagnostics.push(
          error(`service ${unit} does not exist on this node`, {
            path,
            detail: 'expected a unit systemd can load; found LoadState=not-found (install the package that ships it)',
          }),
        );
        continue;
      }
      const data: ServiceChangeData = {
        unit,
        ...(service.enabled !== undefined ? {enable: service.enabled} : {}),
        ...(service.state ? {start: service.state === 'running'} : {}),
        original: {unit, enabled: null, running: false},
      };
      changes.push({
        address: addr,
        kind: 'service',
        action: record ? 'update' : 'create',
        before: null,
        after: target(service),
        reason: `${unit} is not installed yet: set up after the plan's packages`,
        disruption: 'none',
        dependsOn: packages,
        inputs: digest(status ?? null),
        data,
        ...(!record ? {original: data.original} : {}),
      });
      continue;
    }
    if (status.unitFileState === 'masked' && (service.enabled || service.state === 'running')) {
      diagnostics.push(
        error(`service ${unit} is masked: it cannot be enabled or started`, {
          path,
          detail: `expected a unit that can start; found UnitFileState=masked (systemctl unmask ${unit})`,
        }),
      );
      continue;
    }
    const enabled = isEnabled(status.unitFileState);
    const running = isRunning(status.activeState);
    const enable =
      service.enabled !== undefined && enabled !== undefined && enabled !== service.enabled
        ? service.enabled
        : undefined;
    if (service.enabled !== undefined && enabled === undefined && status.unitFileState !== 'static') {
      diagnostics.push(
        warning(
          `service ${unit} is ${status.unitFileState}: cosi cannot ${service.enabled ? 'enable' : 'disable'} it`,
          {path: [...path, 'enabled']},
        ),
      );
    }
    const start =
      service.state !== undefined && (service.state === 'running') !== running
        ? service.state === 'running'
        : undefined;
    const original: ServiceOriginal = {unit, enabled: enabled ?? null, running};
    const data: ServiceChangeData = {
      unit,
      ...(enable !== undefined ? {enable} : {}),
      ...(start !== undefined ? {start} : {}),
      original,
    };
    const before = {enabled: enabled ?? status.unitFileState, state: running ? 'running' : 'stopped'};
    const what = [
      enable === undefined ? undefined : enable ? 'enable' : 'disable',
      start === undefined ? undefined : start ? 'start' : 'stop',
    ].filter(Boolean);
    const base = {
      address: addr,
      kind: 'service' as const,
      before,
      after: target(service),
      disruption: 'none' as const,
      dependsOn: [],
      inputs: digest(status),
      data,
    };
    if (what.length === 0)
      changes.push({...base, action: 'noop', reason: `${unit} is ${status.unitFileState} and ${status.activeState}`});
    else
      changes.push({
        ...base,
        action: record ? 'update' : 'create',
        reason: `${what.join(' and ')} ${unit} (${status.unitFileState}, ${status.activeState})`,
        ...(!record ? {original} : {}),
      });
  }
  const declared = new Set([...wanted.keys()].map(serviceAddress));
  for (const [addr, record] of managedOfKind(state, 'service')) {
    if (declared.has(addr)) continue;
    const original = record.original as ServiceOriginal;
    const unit = original.unit ?? fullUnitName(addr.slice('service.'.length));
    const status = observed.units[unit];
    const enabled = status ? isEnabled(status.unitFileState) : undefined;
    const running = status ? isRunning(status.activeState) : false;
    const enable =
      original.enabled !== null && enabled !== undefined && enabled !== original.enabled ? original.enabled : undefined;
    const start =
      status && status.loadState !== 'not-found' && running !== original.running ? original.running : undefined;
    changes.push({
      address: addr,
      kind: 'service',
      action: 'delete',
      before: status ? {enabled: enabled ?? status.unitFileState, state: running ? 'running' : 'stopped'} : null,
      after: {enabled: original.enabled, state: original.running ? 'running' : 'stopped'},
      reason: `no longer in the document: ${unit} goes back to ${original.enabled === null ? '' : original.enabled ? 'enabled, ' : 'disabled, '}${original.running ? 'running' : 'stopped'} as cosi found it`,
      disruption: 'none',
      dependsOn: [],
      inputs: digest(status ?? null),
      data: {
        unit,
        ...(enable !== undefined ? {enable} : {}),
        ...(start !== undefined ? {start} : {}),
      } satisfies ServiceChangeData,
    });
  }
  return {changes, diagnostics};
}

function target(service: {enabled?: boolean; state?: string}): Record<string, unknown> {
  return {
    ...(service.enabled !== undefined ? {enabled: service.enabled} : {}),
    ...(service.state ? {state: service.state} : {}),
  };
}

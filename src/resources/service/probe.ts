import type {DesiredService} from '../../config/desired-state.js';
import type {ProbeRequest} from '../../engine/provider.js';
import {describeFailure} from '../../host/command.js';
import type {Host} from '../../host/host.js';
import {managedOfKind} from '../../engine/state.js';
import {engineProfiles} from '../runtime/engines.js';
import {parseSystemctlShow, type UnitStatus} from './systemctl-show.js';
import {fullUnitName} from '../../names/unit-name.js';

/** ServiceObserved is the probed systemd state: whether systemd runs in the root, and each unit's status. */
export interface ServiceObserved {
  readonly systemd: boolean;
  readonly units: Readonly<Record<string, UnitStatus>>;
}

/**
 * wantedServices lists the units the document declares, plus the runtime's own unit (enabled and running) when the
 * runtime is declared and the document does not say otherwise about it. Keyed by full unit name. Pure.
 */
export function wantedServices(request: Pick<ProbeRequest, 'desired'>): Map<string, DesiredService> {
  const wanted = new Map<string, DesiredService>();
  for (const [name, service] of request.desired.services) wanted.set(fullUnitName(name), service);
  const engine = request.desired.config.spec?.runtime?.engine;
  if (engine) {
    const unit = engineProfiles[engine].unit;
    if (!wanted.has(unit))
      wanted.set(unit, {unit, enabled: true, state: 'running', paths: [['spec', 'runtime', 'engine']]});
  }
  return wanted;
}

/**
 * probeServices asks systemd about every declared or managed unit in one `systemctl show` call. Without systemd
 * in the root (no /run/systemd/system: a plain root, an image being built) nothing is run. Read-only.
 */
export async function probeServices({host, desired, state}: ProbeRequest): Promise<ServiceObserved> {
  const units = new Set(wantedServices({desired}).keys());
  for (const [address, record] of managedOfKind(state, 'service'))
    units.add((record.original as {unit?: string})?.unit ?? fullUnitName(address.slice('service.'.length)));
  if (!(await host.stat('/run/systemd/system'))?.isDirectory()) return {systemd: false, units: {}};
  if (units.size === 0) return {systemd: true, units: {}};
  return {systemd: true, units: await showUnits(host, [...units].sort())};
}

/** showUnits asks systemd about units in one `systemctl show` call; a failed call is an error. Read-only. */
export async function showUnits(host: Host, units: readonly string[]): Promise<Record<string, UnitStatus>> {
  if (units.length === 0) return {};
  const request = {
    argv: ['systemctl', 'show', '-p', 'Id,UnitFileState,ActiveState,LoadState', '--', ...units],
    timeoutMs: 30_000,
  };
  const result = await host.run(request);
  if (result.exitCode !== 0) throw new Error(describeFailure(request, result));
  return parseSystemctlShow(result.stdout, units);
}

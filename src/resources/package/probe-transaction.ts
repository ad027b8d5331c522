import type {DesiredState} from '../../config/desired-state.js';
import {withEnv, type CommandRequest} from '../../host/command.js';
import type {Host} from '../../host/host.js';
import {showUnits} from '../service/probe.js';
import {isRunning} from '../service/systemctl-show.js';
import type {InstalledPackage, Offer, PackageBackend, TransactionItem} from './backend.js';
import {decidePackage} from './decide.js';
import {unitFilesOf} from './process-maps.js';
import {servicesByOwner} from './service-processes.js';
import type {PreviewStep} from './transaction-preview.js';
import {wantedPackages} from './wanted.js';

/** TransactionPreview is the resolver's answer for the install transaction the plan will carry (`items`). */
export interface TransactionPreview {
  readonly items: readonly TransactionItem[];
  readonly steps: readonly PreviewStep[];
}

/**
 * installItems is the install transaction the plan will make from these observations: every `install` entry whose
 * decision is a change of a package that is not held, at its target. The same decision as `planPackages`. Pure.
 */
export function installItems(
  desired: DesiredState,
  backend: PackageBackend,
  byName: ReadonlyMap<string, InstalledPackage>,
  offers: Readonly<Record<string, Offer | null>>,
): TransactionItem[] {
  const items: TransactionItem[] = [];
  for (const wanted of wantedPackages(desired, backend.manager)) {
    if ('error' in wanted) continue;
    const installed = byName.get(wanted.name);
    const decision = decidePackage({
      manager: backend.manager,
      name: wanted.name,
      text: wanted.text,
      constraint: wanted.constraint,
      installed,
      offer: offers[wanted.name],
    });
    if (decision.kind === 'change' && !installed?.held) items.push({name: wanted.name, version: decision.target});
  }
  return items.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * simulate runs a dry run (read-only) and parses it into steps. A dry run that does not answer (the resolver refuses:
 * conflicts, a version gone; or it cannot run) is not a probe failure: the transaction itself will say what is wrong;
 * the plan then shows the transaction without the resolver's answer.
 */
export async function simulate(
  host: Host,
  backend: PackageBackend,
  request: CommandRequest | undefined,
  env: Readonly<Record<string, string>> | undefined,
): Promise<PreviewStep[] | undefined> {
  if (!request || !backend.parseSimulation) return undefined;
  const result = await host.run(withEnv(request, env));
  return result.started && !result.timedOut && result.exitCode === 0
    ? backend.parseSimulation(result.stdout)
    : undefined;
}

/**
 * owedRestarts predicts the restarts a transaction owes, per package it upgrades, downgrades or reinstalls: the
 * active system services the package ships (its maintainer scripts ask to restart them; cosi's policy-rc.d holds
 * that until after the transaction), and with `restartServices: auto` the services whose processes map one of the
 * package's files (they keep running the old copy until restarted). Read-only: the package database's file lists,
 * one `systemctl show` for all units, /proc.
 */
export async function owedRestarts(
  host: Host,
  backend: PackageBackend,
  steps: readonly PreviewStep[],
  mode: DesiredState['packages']['restartServices'],
): Promise<Record<string, string[]>> {
  const changed = steps.filter((s) => s.op === 'upgrade' || s.op === 'downgrade' || s.op === 'reinstall');
  if (changed.length === 0 || !backend.readFileLists) return {};
  if (!(await host.stat('/run/systemd/system'))?.isDirectory()) return {};
  const files = await backend.readFileLists(
    host,
    changed.map((s) => s.name),
  );
  const shipped = new Map([...files].map(([name, paths]) => [name, unitFilesOf(paths.join('\n'))]));
  const all = [...new Set([...shipped.values()].flat())].sort();
  const active = new Set(await activeUnits(host, all));
  const out: Record<string, string[]> = {};
  for (const [name, units] of shipped) {
    const owed = units.filter((u) => active.has(u));
    if (owed.length > 0) out[name] = owed;
  }
  if (mode === 'auto') {
    const owners = new Map<string, string[]>();
    for (const [name, paths] of files) for (const path of paths) owners.set(path, [...(owners.get(path) ?? []), name]);
    const mapping = await servicesByOwner(host, (file) => owners.get(file.path) ?? []);
    for (const [name, units] of mapping) out[name] = [...new Set([...(out[name] ?? []), ...units])].sort();
  }
  return out;
}

async function activeUnits(host: Host, units: readonly string[]): Promise<string[]> {
  const status = await showUnits(host, units);
  return units.filter((u) => isRunning(status[u]?.activeState ?? ''));
}

import {jsonDetails} from '../../plan/json-diff.js';
import {error, warning, type Diagnostic} from '../../diag/diagnostic.js';
import {canonicalJson, digest} from '../../engine/digest.js';
import type {PlanRequest, ProviderPlan} from '../../engine/provider.js';
import {firstWriteUnrecorded, managedOfKind} from '../../engine/state.js';
import type {Change} from '../../plan/change.js';
import {address} from '../../plan/resource-kind.js';
import {backupPath} from '../runtime/backup.js';
import type {FileChange} from '../shared/file-change.js';
import {runtimeCniDirs} from './cni-dirs.js';
import {canonicalText, networkFileName, renderNetwork} from './network-file.js';
import type {CniObserved} from './probe.js';

/** CniNetworkChangeData is what apply needs: the file to write or remove, and the original to back up first. */
export interface CniNetworkChangeData extends FileChange {
  readonly original: NetworkOriginal;
}

/** NetworkOriginal is what cosi found at a network's path before its first write. */
export interface NetworkOriginal {
  readonly path: string;
  readonly existed: boolean;
}

const semver = /^\d+\.\d+\.\d+$/;

/**
 * planCniNetworks plans each declared network as `<confDir>/<stem>.conflist` (a configuration list) or
 * `<confDir>/<stem>.conf` (a single-plugin configuration) in canonical JSON, compared as
 * canonical JSON (`create`, `update`, `noop`); a `delete` for networks that left the document (the file cosi found
 * is put back from /var/lib/cosi/backups, or removed); with `exclusive`, a `delete` of every other configuration
 * file (backed up first). Warns for each declared file the runtime ignores because another sorts first (runtimes
 * use the first), for a file left in confDir holding a declared network's name, and when `confDir` differs from the
 * runtime's. A network whose form changed (list <-> single plugin) after cosi wrote it is an error. After cosi's first write of a network was interrupted (a record without
 * `applied`), the backup is still kept and a file that already holds the network gets an `update` recording it. Pure.
 */
export function planCniNetworks({
  desired,
  observed,
  state,
}: PlanRequest<CniObserved>): ProviderPlan<CniNetworkChangeData> {
  const cni = desired.config.spec?.cni;
  const changes: Change<CniNetworkChangeData>[] = [];
  const diagnostics: Diagnostic[] = [];
  const confDir = observed.confDir;
  const runtimeConf = runtimeCniDirs(desired.config.spec, observed.runtimeFile).confDir;
  if (cni?.confDir && runtimeConf && runtimeConf !== cni.confDir) {
    diagnostics.push(
      warning(`cni.confDir is ${cni.confDir}, but the runtime reads network configurations from ${runtimeConf}`, {
        path: ['spec', 'cni', 'confDir'],
      }),
    );
  }
  const networks = Object.entries(cni?.networks ?? {});
  const files = new Map(networks.map(([stem, network]) => [stem, networkFileName(stem, network)]));
  const declared = new Set(files.values());
  for (const [stem, network] of networks) {
    const at = ['spec', 'cni', 'networks', stem];
    if (!semver.test(network.cniVersion))
      diagnostics.push(
        error(`CNI network ${stem}: cniVersion ${JSON.stringify(network.cniVersion)} is not a version`, {
          path: [...at, 'cniVersion'],
          detail: 'expected a semantic version such as "1.0.0"',
        }),
      );
    const path = `${confDir}/${files.get(stem)!}`;
    const addr = address('cni.network', stem);
    const found = observed.files[path] ?? {state: 'missing'};
    const record = state.resources[addr];
    const recordedPath = record ? (record.original as NetworkOriginal).path : path;
    if (
      recordedPath !== path &&
      recordedPath.replace(/\.conflist$/, '.conf') === path.replace(/\.conflist$/, '.conf')
    ) {
      diagnostics.push(
        error(`CNI network ${stem} changed form: cosi wrote it as ${recordedPath}, the document now makes it ${path}`, {
          path: at,
          detail:
            'remove the network from the document and apply (cosi puts back what it found), then declare it in its new form',
        }),
      );
      continue;
    }
    const matches = found.state === 'present' && canonicalText(found.text) === canonicalJson(network);
    const original: NetworkOriginal = record
      ? (record.original as NetworkOriginal)
      : {path, existed: found.state === 'present'};
    // A record without `applied` is cosi's first write interrupted after the engine kept the original: the backup
    // may not be written yet, and the file (written only after its backup) still holds what cosi found if it is not.
    const unrecorded = firstWriteUnrecorded(record);
    const data: CniNetworkChangeData = {
      path,
      write: renderNetwork(network),
      original,
      ...((!record || unrecorded) && original.existed && found.state === 'present'
        ? {backup: {path: backupPath(path), content: found.text}}
        : {}),
    };
    const base = {
      address: addr,
      kind: 'cni.network' as const,
      before: found.state === 'present' ? {path, digest: digest(found.text)} : null,
      after: {path, network: network.name, digest: digest(data.write)},
      disruption: 'none' as const,
      dependsOn: [],
      inputs: digest(found),
      data,
    };
    if (matches && !unrecorded) {
      changes.push({...base, action: 'noop', reason: `${path} holds the network`});
      continue;
    }
    if (matches) {
      changes.push({
        ...base,
        action: 'update',
        reason: `${path} holds the network, but cosi's write was interrupted before it was recorded: record it`,
      });
      continue;
    }
    const reason =
      found.state === 'missing'
        ? `${path} does not exist`
        : canonicalText(found.text) === undefined
          ? `${path} is not JSON`
          : `${path} differs from the declared network`;
    changes.push({
      ...base,
      action: record ? 'update' : 'create',
      reason,
      ...(!record ? {original} : {}),
      details: [`${path}:`, ...jsonDetails(parseJson(found.state === 'present' ? found.text : undefined), network)],
    });
  }

  for (const [addr, record] of managedOfKind(state, 'cni.network')) {
    if (networks.some(([stem]) => address('cni.network', stem) === addr)) continue;
    const original = record.original as NetworkOriginal;
    const backup = observed.files[backupPath(original.path)];
    const restore = original.existed && backup?.state === 'present' ? backup.text : undefined;
    const found = observed.files[original.path] ?? {state: 'missing'};
    changes.push({
      address: addr,
      kind: 'cni.network',
      action: 'delete',
      before: found.state === 'present' ? {path: original.path, digest: digest(found.text)} : null,
      after: restore === undefined ? null : {path: original.path, digest: digest(restore)},
      reason:
        restore === undefined
          ? `no longer in the document: ${original.path} is removed`
          : `no longer in the document: ${original.path} gets back the content cosi found`,
      disruption: 'none',
      dependsOn: [],
      inputs: digest({found, backup: backup ?? null}),
      data: {
        path: original.path,
        ...(restore === undefined ? {remove: true as const} : {write: restore}),
        dropBackup: backupPath(original.path),
        original,
      } satisfies CniNetworkChangeData,
    });
  }

  const others = observed.confNames.filter((n) => !declared.has(n));
  if (cni?.exclusive) {
    for (const name of others) {
      const path = `${confDir}/${name}`;
      const found = observed.files[path];
      if (found?.state !== 'present') continue;
      changes.push({
        address: address('cni.network', name),
        kind: 'cni.network',
        action: 'delete',
        before: {path, digest: digest(found.text)},
        after: null,
        reason: `cni.exclusive: ${path} is not declared; it is kept in ${backupPath(path)}`,
        disruption: 'none',
        dependsOn: [],
        inputs: digest(found),
        data: {
          path,
          remove: true,
          backup: {path: backupPath(path), content: found.text},
          original: {path, existed: true},
        } satisfies CniNetworkChangeData,
      });
    }
  }
  diagnostics.push(
    ...ignoredFiles(confDir, cni?.exclusive ? [] : others, declared),
    ...nameClashes(confDir, cni?.exclusive ? [] : others, networks, observed),
  );
  return {changes, diagnostics};
}

/**
 * ignoredFiles warns when the runtime ignores the declared networks: containerd and CRI-O load the lexically first
 * file of confDir (`.conf`, `.conflist`, `.json`) as the pod network, so a file that stays in confDir (none with
 * `exclusive`) and sorts before every declared one takes over. Declaring several networks is left alone (tools
 * such as Multus and podman pick networks by name).
 */
function ignoredFiles(confDir: string, others: readonly string[], declared: ReadonlySet<string>): Diagnostic[] {
  const first = [...others, ...declared].sort()[0];
  const firstDeclared = [...declared].sort()[0];
  if (first === undefined || firstDeclared === undefined || declared.has(first)) return [];
  return [
    warning(`${confDir}/${firstDeclared} is ignored by the runtime: ${confDir}/${first}, not declared, sorts first`, {
      path: ['spec', 'cni', 'networks', firstDeclared.replace(/\.(conflist|conf)$/, '')],
      detail: `containerd and CRI-O use the lexically first file of ${confDir} as the pod network; give the network a stem that sorts first (e.g. a lower numeric prefix), or set cni.exclusive: true to remove the other files (they are backed up)`,
    }),
  ];
}

/** nameClashes warns when a file that stays in confDir holds a network of the same name as a declared one. */
function nameClashes(
  confDir: string,
  others: readonly string[],
  networks: ReadonlyArray<readonly [string, {readonly name: string}]>,
  observed: CniObserved,
): Diagnostic[] {
  const found: Diagnostic[] = [];
  for (const name of others) {
    const file = observed.files[`${confDir}/${name}`];
    if (file?.state !== 'present') continue;
    let held: unknown;
    try {
      held = (JSON.parse(file.text) as {name?: unknown}).name;
    } catch {
      continue;
    }
    const clash = networks.find(([, network]) => network.name === held);
    if (clash)
      found.push(
        warning(`CNI network name ${JSON.stringify(held)} of ${clash[0]} is also the name of ${confDir}/${name}`, {
          path: ['spec', 'cni', 'networks', clash[0], 'name'],
          detail:
            'network names must be unique on the node: libcni users (podman, Multus) skip the second network of a name',
        }),
      );
  }
  return found;
}

/** parseJson reads a file's JSON, or undefined when there is none or it is not JSON. */
function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

import type {RuntimeEngine} from '../../config/generated/types.js';
import {didYouMean} from '../../diag/did-you-mean.js';
import {error, warning, type Diagnostic} from '../../diag/diagnostic.js';
import {isTable, renderKey, type SettingLeaf} from './settings-leaves.js';

/**
 * runcOptionKeys are the fields of runc's shim options (containerd's `runtimes.NAME.options` for a runtime of type
 * `io.containerd.runc.v2`), which `containerd config default` does not always print (containerd 1.7 and 2.x leave
 * out SystemdCgroup): containerd/containerd api/types/runc/options/oci.proto (release/1.6 to release/2.0), CriuPath
 * of 1.x included.
 */
const runcOptionKeys = [
  'NoPivotRoot',
  'NoNewKeyring',
  'ShimCgroup',
  'IoUid',
  'IoGid',
  'BinaryName',
  'Root',
  'CriuPath',
  'SystemdCgroup',
  'CriuImagePath',
  'CriuWorkPath',
  'TaskApiAddress',
  'TaskApiVersion',
];

/**
 * Keys that `containerd config default` leaves out although containerd reads them, by the table's name: the CRI
 * registry's maps (containerd/containerd release/2.0 internal/cri/config/config.go, `Registry`: printed empty by
 * 1.x, not at all by 2.x).
 */
const unprintedKeys: Readonly<Record<string, readonly string[]>> = {
  registry: ['config_path', 'mirrors', 'configs', 'auths', 'headers'],
};

/** Tables whose keys are names the operator chooses (maps), by the name of the table; any key is taken there. */
const freeFormTables = new Set([
  'mirrors',
  'configs',
  'auths',
  'headers',
  'proxy_plugins',
  'stream_processors',
  'timeouts',
  'pinned_images',
  'runtime_platform',
  'workloads',
]);

/** KeySet is the installed engine's own configuration, as the set of keys it has. */
export interface KeySet {
  readonly engine: RuntimeEngine;
  /** The engine's default configuration (`containerd config default`, `crio config`), parsed. */
  readonly defaults: Readonly<Record<string, unknown>>;
  /** How the engine is named in messages (`containerd 1.6.20`). */
  readonly name: string;
}

/** Unknown is a key the engine's configuration does not have: its index in the path and the keys there. */
interface Unknown {
  readonly index: number;
  readonly candidates: readonly string[];
}

/**
 * checkSettingKeys checks every managed key against the installed engine's own key set (its default configuration),
 * with "did you mean": a key close to one the engine has (`SystemdCGroup`) is an error, located at the document's
 * key; a key that is close to none is a warning (the engine ignores keys it does not know, and its defaults leave
 * out some optional ones). Maps take any key: runtimes by name (an entry's own keys are checked against the engine's
 * default entries, and a runc entry's `options` against runc's options), registry hosts and mirrors, proxy plugins,
 * stream processors, timeouts, and every table the defaults print empty. `leaves` are in the layout of `defaults`
 * (translated by the caller); `source` on a leaf is its path as declared. Pure.
 */
export function checkSettingKeys(leaves: readonly SettingLeaf[], keys: KeySet): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const leaf of leaves) {
    const found = unknownKey(leaf.path, keys.defaults, leaves);
    if (!found) continue;
    const declared = leaf.source ?? leaf.path;
    const at = Math.max(0, found.index - (leaf.path.length - declared.length));
    const where = ['spec', 'runtime', 'settings', ...declared.slice(0, at + 1)];
    const rendered = where.join('\u0000');
    if (seen.has(rendered)) continue;
    seen.add(rendered);
    const key = leaf.path[found.index]!;
    const table = found.index === 0 ? 'the top level' : `[${renderKey(leaf.path.slice(0, found.index))}]`;
    const suggestion = didYouMean(key, found.candidates);
    const summary = `${JSON.stringify(key)} is not a key of ${keys.name}'s configuration in ${table}`;
    const detail = `${keys.engine === 'containerd' ? '`containerd config default`' : '`crio config`'} of the installed version lists ${found.candidates.length} keys there; the engine ignores a key it does not know`;
    diagnostics.push(
      suggestion
        ? error(`${summary}: did you mean ${JSON.stringify(suggestion)}?`, {path: where, detail})
        : warning(summary, {path: where, detail: `${detail}, and its defaults leave out some optional keys`}),
    );
  }
  return diagnostics;
}

/** unknownKey walks a key path down the defaults; the first key they do not have, or undefined. */
function unknownKey(
  path: readonly string[],
  defaults: Readonly<Record<string, unknown>>,
  leaves: readonly SettingLeaf[],
): Unknown | undefined {
  let table: unknown = defaults;
  for (let i = 0; i < path.length; i++) {
    const parent = path[i - 1];
    if (parent !== undefined && freeFormTables.has(parent)) return undefined;
    if (!isTable(table) || Object.keys(table).length === 0) return undefined;
    const key = path[i]!;
    if (parent === 'runtimes') {
      table = runtimeTemplate(table, key);
      continue;
    }
    if (key === 'options' && path[i - 2] === 'runtimes') {
      if (!isRuncEntry(path.slice(0, i), table, leaves)) return undefined;
      const shown = isTable(table[key]) ? Object.keys(table[key] as Record<string, unknown>) : [];
      table = Object.fromEntries([...new Set([...shown, ...runcOptionKeys])].map((k) => [k, null]));
      continue;
    }
    if (!Object.hasOwn(table, key)) {
      const unprinted = (parent !== undefined && unprintedKeys[parent]) || [];
      if (unprinted.includes(key)) return undefined;
      return {index: i, candidates: [...new Set([...Object.keys(table), ...unprinted])]};
    }
    table = table[key];
  }
  return undefined;
}

/**
 * runtimeTemplate is what a runtime entry named `name` may hold: the engine's default entry of that name, else the
 * keys of all its default entries together.
 */
function runtimeTemplate(runtimes: Record<string, unknown>, name: string): Record<string, unknown> {
  if (isTable(runtimes[name])) return runtimes[name] as Record<string, unknown>;
  const merged: Record<string, unknown> = {};
  for (const entry of Object.values(runtimes)) if (isTable(entry)) Object.assign(merged, entry);
  return merged;
}

/** isRuncEntry tells whether a runtime entry is runc's shim: its declared runtime_type, else the default entry's. */
function isRuncEntry(entry: readonly string[], template: Record<string, unknown>, leaves: readonly SettingLeaf[]) {
  const declared = leaves.find(
    (l) =>
      l.path.length === entry.length + 1 && l.path.at(-1) === 'runtime_type' && entry.every((p, i) => l.path[i] === p),
  );
  const type = declared?.value ?? template['runtime_type'];
  return typeof type === 'string' && /^io\.containerd\.runc\.v[12]$/.test(type);
}

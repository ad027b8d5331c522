import {translateSetting, type ConfigVersion} from './config-version.js';
import {isTable, renderKey, type SettingLeaf} from './settings-leaves.js';

/**
 * fallbackRuntimeEntry is what containerd's own defaults hold for its `runc` runtime entry in every version that cosi
 * supports (1.6, 1.7: `plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc`; 2.x, config version 3:
 * `plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc`), after containerd's documentation, for when the
 * engine cannot be asked (it is installed by the same apply): without `runtime_type` containerd cannot start a pod.
 */
const fallbackRuntimeEntry: Readonly<Record<string, Record<string, unknown>>> = {
  runc: {runtime_type: 'io.containerd.runc.v2'},
};

/**
 * withEngineDefaults adds to the declared leaves the engine's defaults of every runtime entry the declared leaves
 * create: containerd decodes a runtime entry (`...containerd.runtimes.NAME`) whole, so an entry written with only the
 * declared keys (the Kubernetes documentation's `SystemdCgroup = true` for runc) replaces containerd's default entry
 * and loses its `runtime_type`. An entry counts as created when the file cosi found (`found`: before cosi's first
 * change, so that the keys it added stay managed) has no such table. `defaults` is `containerd config default` of the
 * installed version, parsed; without it the documented fallback is used. Declared leaves win. Pure.
 */
export function withEngineDefaults(request: {
  leaves: readonly SettingLeaf[];
  found: Readonly<Record<string, unknown>>;
  defaults?: Readonly<Record<string, unknown>>;
  /** What cosi last applied, by rendered key: the defaults it added to an entry then are kept as they were. */
  applied?: Readonly<Record<string, unknown>>;
}): SettingLeaf[] {
  const {leaves, found, defaults, applied = {}} = request;
  const declared = new Set(leaves.map((l) => renderKey(l.path)));
  const added = new Map<string, SettingLeaf>();
  for (const leaf of leaves) {
    const at = leaf.path.indexOf('runtimes');
    if (at < 0 || leaf.path.length <= at + 2) continue;
    const entry = leaf.path.slice(0, at + 2);
    if (lookupTable(found, entry)) continue;
    // Defaults cosi added to this entry before stay exactly those (the engine may answer now where it could not then,
    // or have been upgraded): the plan converges instead of growing the entry on every run.
    const prefix = `${renderKey(entry)}.`;
    const earlier = Object.keys(applied).filter((k) => k.startsWith(prefix) && !declared.has(k));
    if (earlier.length > 0) {
      const note = `the default cosi added to the new runtime entry ${renderKey(entry)}, which containerd reads whole`;
      for (const key of earlier)
        added.set(key, {path: parseKey(entry, key.slice(prefix.length)), value: applied[key], note});
      continue;
    }
    // The defaults are in the layout of the engine's own config version (2.x prints version 3), the entry in the file's.
    const source = defaults
      ? lookupTable(defaults, translateSetting(entry, defaultsVersion(defaults)) ?? entry)
      : fallbackRuntimeEntry[entry.at(-1)!];
    if (!source) continue;
    const note = `${defaults ? "the installed containerd's default" : "containerd's documented default"} for the new runtime entry ${renderKey(entry)}, which containerd reads whole`;
    for (const item of defaultLeaves(source, entry)) {
      const key = renderKey(item.path);
      if (!declared.has(key) && !hasDeclaredBelow(declared, key)) added.set(key, {...item, note});
    }
  }
  // The entry's own keys first, then deeper ones, then the declared: new tables are written parent before child.
  return [...[...added.values()].sort((a, b) => a.path.length - b.path.length), ...leaves];
}

/** defaultsVersion is the config version a containerd's default configuration is written in (no `version`: 1). */
export function defaultsVersion(defaults: Readonly<Record<string, unknown>>): ConfigVersion {
  const v = defaults['version'];
  return v === 2 || v === 3 ? v : 1;
}

/** parseKey turns the rendered rest of a key below `entry` back into a path (renderKey's bare or quoted segments). */
function parseKey(entry: readonly string[], rest: string): string[] {
  const parts: string[] = [];
  for (const m of rest.matchAll(/"((?:[^"\\]|\\.)*)"|([^."]+)/g))
    parts.push(m[1] !== undefined ? (JSON.parse(`"${m[1]}"`) as string) : m[2]!);
  return [...entry, ...parts];
}

function lookupTable(
  document: Readonly<Record<string, unknown>>,
  path: readonly string[],
): Record<string, unknown> | undefined {
  let at: unknown = document;
  for (const part of path) {
    if (!isTable(at) || !Object.hasOwn(at, part)) return undefined;
    at = at[part];
  }
  return isTable(at) ? at : undefined;
}

/** defaultLeaves flattens a default table into leaves; empty tables add nothing (they only name a table). */
function defaultLeaves(table: Record<string, unknown>, prefix: readonly string[]): SettingLeaf[] {
  const out: SettingLeaf[] = [];
  for (const [key, value] of Object.entries(table)) {
    if (isTable(value)) out.push(...defaultLeaves(value, [...prefix, key]));
    else out.push({path: [...prefix, key], value});
  }
  return out;
}

/** hasDeclaredBelow tells whether a declared key lies inside `key` (a default value that is a table written inline). */
function hasDeclaredBelow(declared: ReadonlySet<string>, key: string): boolean {
  for (const d of declared) if (d.startsWith(`${key}.`)) return true;
  return false;
}

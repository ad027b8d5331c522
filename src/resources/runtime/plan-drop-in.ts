import {stringify} from 'smol-toml';
import type {Runtime} from '../../config/generated/types.js';
import {hasErrors, warning, type Diagnostic} from '../../diag/diagnostic.js';
import {canonicalJson, digest} from '../../engine/digest.js';
import type {Change} from '../../plan/change.js';
import {settingsChange, settingsData} from './settings-change.js';
import type {RuntimeChangeData} from './change-data.js';
import {engineProfiles, type EngineProfile} from './engines.js';
import type {ObservedFile, RuntimeObserved} from './probe.js';
import type {RuntimeRecord, StoredRuntimeRecord} from './record.js';
import {isTable, lookup, renderKey, renderValue, withValue, type SettingLeaf} from './settings-leaves.js';
import {checkSettingKeys} from './settings-keys.js';
import {parseTomlDocument} from './toml-edit.js';
import {firstWriteUnrecorded} from '../../engine/state.js';

/** dropInHeader starts cosi's own drop-in file. */
export const dropInHeader =
  '# Managed by cosi (https://cosi.dev): spec.runtime.settings. Do not edit: changes are overwritten on the next apply.\n';

/**
 * mergeDocuments deep-merges TOML documents the way CRI-O reads its main file and then its drop-ins: a later file's
 * key replaces an earlier one, tables merge. Pure.
 */
export function mergeDocuments(documents: ReadonlyArray<Record<string, unknown>>): Record<string, unknown> {
  const merge = (into: Record<string, unknown>, from: Record<string, unknown>): Record<string, unknown> => {
    const out = {...into};
    for (const [k, v] of Object.entries(from))
      out[k] = isTable(v) && isTable(out[k]) ? merge(out[k] as Record<string, unknown>, v) : v;
    return out;
  };
  return documents.reduce((acc, doc) => merge(acc, doc), {});
}

/**
 * effectiveConfig reads an engine's configuration as the engine does: the main file, then every drop-in in name
 * order. Files that are not valid TOML are reported and skipped. `without` leaves one file out (cosi's own). Pure.
 */
export function effectiveConfig(
  profile: EngineProfile,
  mainPath: string,
  observed: RuntimeObserved,
  without?: string,
): {value: Record<string, unknown>; diagnostics: Diagnostic[]} {
  const paths = [mainPath, ...observed.dropIns.map((n) => `${profile.dropInDir}/${n}`)].filter((p) => p !== without);
  const documents: Record<string, unknown>[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const path of paths) {
    const file = observed.files[path];
    if (file?.state !== 'present') continue;
    const parsed = parseTomlDocument(file.text);
    if (parsed.ok) documents.push(parsed.value);
    else
      diagnostics.push(
        warning(`${path} is not valid TOML (${parsed.reason}); ${profile.engine} will refuse to start`, {
          path: ['spec', 'runtime'],
        }),
      );
  }
  return {value: mergeDocuments(documents), diagnostics};
}

/**
 * planDropIn plans the settings as cosi's own drop-in (CRI-O's `crio.conf.d/99-cosi.conf`): the engine's files stay
 * byte for byte, the drop-in holds exactly the managed keys, and it sorts after the usual drop-ins. A drop-in sorting
 * after it that sets a managed key is a warning (it wins). Details compare the engine's effective configuration
 * before and after. After an interrupted first write (a record without `applied`), a drop-in that already holds the
 * settings gets an `update` that records them. Pure.
 */
export function planDropIn(request: {
  runtime: Runtime;
  leaves: readonly SettingLeaf[];
  observed: RuntimeObserved;
  record?: StoredRuntimeRecord;
}): {change?: Change<RuntimeChangeData>; diagnostics: Diagnostic[]} {
  const {runtime, leaves, observed, record} = request;
  const profile = engineProfiles[runtime.engine];
  const path = profile.cosiDropIn!;
  const own = observed.files[path] ?? {state: 'missing'};
  const main = runtime.configPath ?? profile.configPath;
  const effective = effectiveConfig(profile, main, observed);
  const diagnostics = [...effective.diagnostics];
  const checked = checkCrioKeys(leaves, observed);
  diagnostics.push(...checked);
  if (hasErrors(checked)) return {diagnostics};
  let wanted: Record<string, unknown> = {};
  for (const leaf of leaves) wanted = withValue(wanted, leaf.path, leaf.value);
  const content = dropInHeader + stringify(wanted);
  const ownParsed = own.state === 'present' ? parseTomlDocument(own.text) : undefined;
  const matches = ownParsed?.ok === true && canonicalJson(ownParsed.value) === canonicalJson(wanted);

  const name = path.slice(path.lastIndexOf('/') + 1);
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  const details: string[] = [];
  for (const leaf of leaves) {
    const key = renderKey(leaf.path);
    const current = lookup(effective.value, leaf.path);
    before[key] = current ?? null;
    after[key] = leaf.value;
    if (canonicalJson(current) !== canonicalJson(leaf.value))
      details.push(`${key}: ${renderValue(current)} -> ${renderValue(leaf.value)}`);
    diagnostics.push(...laterOverrides({leaf, key, path, name, profile, observed}));
  }
  if (record)
    details.push(
      ...forgottenDetails({record, before, after, without: effectiveConfig(profile, main, observed, path).value}),
    );
  const unrecorded = firstWriteUnrecorded(record);
  const action = matches && !unrecorded ? 'noop' : record ? 'update' : 'create';
  const {data, newRecord} = dropInData({path, content, own, record, unrecorded, leaves, after});
  return {
    diagnostics,
    change: settingsChange({
      runtime,
      action,
      path,
      before,
      after,
      reason: dropInReason({path, main, matches, unrecorded, own}),
      inputs: digest({files: observed.files, dropIns: observed.dropIns}),
      details: matches ? [] : details,
      ...(!record && !matches ? {original: newRecord.original} : {}),
      data,
    }),
  };
}

/** checkCrioKeys checks the settings against the installed CRI-O's own key set (`crio config`), when it answered. */
function checkCrioKeys(leaves: readonly SettingLeaf[], observed: RuntimeObserved): Diagnostic[] {
  if (!observed.defaults) return [];
  const name = `CRI-O ${observed.version?.parsed.join('.') ?? '(installed)'}`;
  return checkSettingKeys(leaves, {engine: 'crio', defaults: observed.defaults, name});
}

/**
 * laterOverrides warns, for one managed key, about each drop-in read after cosi's own (sorting after `name`) that sets
 * the key to another value: the engine takes that one. Pure.
 */
function laterOverrides(request: {
  leaf: SettingLeaf;
  key: string;
  path: string;
  name: string;
  profile: EngineProfile;
  observed: RuntimeObserved;
}): Diagnostic[] {
  const {leaf, key, path, name, profile, observed} = request;
  const diagnostics: Diagnostic[] = [];
  for (const later of observed.dropIns.filter((n) => n > name)) {
    const file = observed.files[`${profile.dropInDir}/${later}`];
    const parsed = file?.state === 'present' ? parseTomlDocument(file.text) : undefined;
    const value = parsed?.ok ? lookup(parsed.value, leaf.path) : undefined;
    if (value !== undefined && canonicalJson(value) !== canonicalJson(leaf.value)) {
      diagnostics.push(
        warning(
          `${profile.dropInDir}/${later} sets ${key} = ${renderValue(value)} and is read after ${path}: it overrides ${renderValue(leaf.value)}`,
          {path: ['spec', 'runtime', 'settings', ...leaf.path]},
        ),
      );
    }
  }
  return diagnostics;
}

/**
 * forgottenDetails lists the keys cosi applied that left the document: each goes from its value now to the one the
 * engine reads without cosi's drop-in (`without`). Pure.
 */
function forgottenDetails(request: {
  record: StoredRuntimeRecord;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
  without: Record<string, unknown>;
}): string[] {
  const {record, before, after, without} = request;
  const applied = record.applied?.keys ?? {};
  const details: string[] = [];
  for (const key of Object.keys(applied)) {
    if (key in after) continue;
    const original = record.original.keys[key];
    const fallback = original ? lookup(without, original.path) : undefined;
    details.push(
      `${key}: ${renderValue(before[key] ?? applied[key])} -> ${renderValue(fallback)} (no longer in the document)`,
    );
  }
  return details;
}

/** dropInReason says whether cosi's drop-in holds the settings (and whether that is still to record) or why not. Pure. */
function dropInReason(request: {
  path: string;
  main: string;
  matches: boolean;
  unrecorded: boolean;
  own: ObservedFile;
}): string {
  const {path, main, matches, unrecorded, own} = request;
  if (matches)
    return `${path} holds the managed settings${unrecorded ? ", but cosi's write was interrupted before it was recorded: record it" : ''}`;
  return `${path} ${own.state === 'missing' ? 'does not exist' : 'differs'}: cosi keeps the settings in its own drop-in, read after ${main}, so ${main} stays as it is`;
}

/** dropInData is what applying writes (see settingsData): the drop-in's content and its managed keys. Pure. */
function dropInData(request: {
  path: string;
  content: string;
  own: ObservedFile;
  record: StoredRuntimeRecord | undefined;
  unrecorded: boolean;
  leaves: readonly SettingLeaf[];
  after: Record<string, unknown>;
}): {data: RuntimeChangeData; newRecord: RuntimeRecord} {
  const {path, content, own, record, unrecorded, leaves, after} = request;
  return settingsData({
    path,
    write: content,
    file: own,
    existed: record ? record.original.existed : own.state === 'present',
    settled: record !== undefined && !unrecorded,
    keys: Object.fromEntries(leaves.map((l) => [renderKey(l.path), {path: l.path, raw: null}])),
    after,
  });
}

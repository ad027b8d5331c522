import type {Runtime} from '../../config/generated/types.js';
import {error, hasErrors, type Diagnostic} from '../../diag/diagnostic.js';
import {canonicalJson, digest} from '../../engine/digest.js';
import type {Action} from '../../plan/action.js';
import type {Change} from '../../plan/change.js';
import {settingsChange, settingsData} from './settings-change.js';
import {backupPath} from './backup.js';
import type {RuntimeChangeData} from './change-data.js';
import {defaultConfigVersion, supportedConfigVersions, type ConfigVersion} from './config-version.js';
import {inLayout, placeSettings} from './place-settings.js';
import {checkSettingKeys} from './settings-keys.js';
import {engineProfiles} from './engines.js';
import type {ObservedFile, RuntimeObserved} from './probe.js';
import type {OriginalKey, StoredRuntimeRecord} from './record.js';
import {lookup, renderKey, renderValue, type SettingLeaf} from './settings-leaves.js';
import {defaultsVersion, withEngineDefaults} from './engine-defaults.js';
import {editToml, parseTomlDocument, rawValue, tableKeys, tomlLiteral, type TomlEdit} from './toml-edit.js';
import {firstWriteUnrecorded} from '../../engine/state.js';

/**
 * planInPlace plans the engine's own configuration file edited in place: only the managed keys change, every other
 * byte stays. It checks the file's config `version` against the installed engine and each setting against that
 * version's layout, lists key-level changes in `details`, restores the keys that left the document (as cosi found
 * them), and owes a restart of the engine's unit. A file that cannot be edited in place is an error saying why. After
 * an interrupted first change (a record without `applied`), the originals come from the record, the backup is still
 * kept when the file existed (never over an earlier one), and a file that already holds the settings gets an
 * `update` that records them. Pure.
 */
export function planInPlace(request: {
  runtime: Runtime;
  leaves: readonly SettingLeaf[];
  observed: RuntimeObserved;
  record?: StoredRuntimeRecord;
}): {change?: Change<RuntimeChangeData>; diagnostics: Diagnostic[]} {
  const {runtime, observed, record} = request;
  const profile = engineProfiles[runtime.engine];
  const path = runtime.configPath ?? profile.configPath;
  const file = observed.files[path] ?? {state: 'missing'};
  const text = file.state === 'present' ? file.text : '';
  const parsed = parseTomlDocument(text);
  if (!parsed.ok) return {diagnostics: [notToml(path, parsed.reason)]};

  const {diagnostics, base, leaves} = engineLayout({
    engine: runtime.engine,
    path,
    file,
    text,
    written: parsed.value['version'],
    leaves: request.leaves,
    observed,
  });
  if (hasErrors(diagnostics)) return {diagnostics};

  const backup = observed.files[backupPath(path)];
  const existed = record ? record.original.existed : file.state === 'present';
  const unrecorded = firstWriteUnrecorded(record);
  const settled = record !== undefined && !unrecorded;
  const found = foundText({record, backup, existed, settled, text});
  const all = runtime.engine === 'containerd' ? withFoundDefaults({leaves, found, observed, record}) : leaves;
  const {edits, details, originals, before, after} = keyEdits({all, parsed: parsed.value, file, text, record});

  const keep = tableKeys(found);
  const edited = edits.length > 0 ? editToml(base, edits, keep) : {ok: true as const, text};
  if (!edited.ok) return {diagnostics: [notInPlace(path, edited.reason)]};
  const {data, newRecord} = settingsData({path, write: edited.text, file, existed, settled, keys: originals, after});
  const action = edits.length === 0 && !unrecorded ? 'noop' : record ? 'update' : 'create';
  return {
    diagnostics,
    change: settingsChange({
      runtime,
      action,
      path,
      before,
      after,
      reason: inPlaceReason({action, path, edits: edits.length, file}),
      inputs: digest({file, version: observed.version?.text ?? null, backup: backup ?? null}),
      details,
      ...(!record && action !== 'noop' ? {original: newRecord.original} : {}),
      data,
    }),
  };
}

/**
 * engineLayout is the file's text to edit, the settings and the layout's problems: containerd's settings placed in
 * its config version's layout (a missing file starts with its `version`), other engines' as declared. Pure.
 */
function engineLayout(request: {
  engine: Runtime['engine'];
  path: string;
  file: ObservedFile;
  text: string;
  written: unknown;
  leaves: readonly SettingLeaf[];
  observed: RuntimeObserved;
}): {base: string; leaves: readonly SettingLeaf[]; diagnostics: Diagnostic[]} {
  const {engine, path, file, text, written, leaves, observed} = request;
  if (engine !== 'containerd') return {base: text, leaves, diagnostics: []};
  const containerd = containerdLayout({path, file, written, leaves, observed});
  return {base: containerd.base ?? text, leaves: containerd.leaves, diagnostics: containerd.diagnostics};
}

/** notToml is the error for an engine file cosi cannot parse, so cannot edit in place. */
function notToml(path: string, reason: string): Diagnostic {
  return error(`${path} is not valid TOML: ${reason}`, {
    path: ['spec', 'runtime'],
    detail: 'cosi edits the runtime configuration in place and needs to parse it; fix the file first',
  });
}

/**
 * foundText is the file as cosi found it: the file itself before cosi manages it, then the backup; after an
 * interrupted first change without a backup yet, the file (written only after its backup) is still what cosi found.
 * Pure.
 */
function foundText(request: {
  record: StoredRuntimeRecord | undefined;
  backup: ObservedFile | undefined;
  existed: boolean;
  settled: boolean;
  text: string;
}): string {
  const {record, backup, existed, settled, text} = request;
  if (!record) return text;
  if (backup?.state === 'present') return backup.text;
  return existed && !settled ? text : '';
}

/**
 * withFoundDefaults gives the containerd runtime entries the declared keys create the engine's defaults too
 * (containerd decodes an entry whole), against the file as cosi found it. Pure.
 */
function withFoundDefaults(request: {
  leaves: readonly SettingLeaf[];
  found: string;
  observed: RuntimeObserved;
  record: StoredRuntimeRecord | undefined;
}): SettingLeaf[] {
  const {leaves, found, observed, record} = request;
  const foundParsed = parseTomlDocument(found);
  return withEngineDefaults({
    leaves,
    found: foundParsed.ok ? foundParsed.value : {},
    ...(observed.defaults ? {defaults: observed.defaults} : {}),
    ...(record?.applied ? {applied: record.applied.keys} : {}),
  });
}

/**
 * keyEdits lists the key-level edits: each declared key that differs from the file, then each key cosi managed that
 * left the document, put back as cosi found it. It also gives the managed keys' values before and after and the
 * originals to record (the recorded ones, then each new key's raw text in the file). Pure.
 */
function keyEdits(request: {
  all: readonly SettingLeaf[];
  parsed: Record<string, unknown>;
  file: ObservedFile;
  text: string;
  record: StoredRuntimeRecord | undefined;
}): {
  edits: TomlEdit[];
  details: string[];
  originals: Record<string, OriginalKey>;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
} {
  const {all, parsed, file, text, record} = request;
  const edits: TomlEdit[] = [];
  const details: string[] = [];
  const managed = record?.original.keys ?? {};
  const originals: Record<string, OriginalKey> = {...managed};
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  for (const leaf of all) {
    const key = renderKey(leaf.path);
    const current = lookup(parsed, leaf.path);
    before[key] = current ?? null;
    after[key] = leaf.value;
    originals[key] ??= {path: leaf.path, raw: file.state === 'present' ? rawValue(text, leaf.path) : null};
    if (canonicalJson(current) === canonicalJson(leaf.value)) continue;
    edits.push({path: leaf.path, raw: tomlLiteral(leaf.value)});
    details.push(`${key}: ${renderValue(current)} -> ${renderValue(leaf.value)}${leaf.note ? ` (${leaf.note})` : ''}`);
  }
  for (const [key, original] of Object.entries(managed)) {
    if (key in after) continue;
    delete originals[key];
    const restore = restoreEdit(text, original);
    if (!restore) continue;
    edits.push(restore);
    details.push(
      `${key}: ${renderValue(lookup(parsed, original.path))} -> ${original.raw ?? '(unset)'} (no longer in the document: as cosi found it)`,
    );
  }
  return {edits, details, originals, before, after};
}

/** notInPlace is the error for a key cosi cannot change without rewriting the file's other bytes. */
function notInPlace(path: string, reason: string): Diagnostic {
  return error(`cannot change ${path} in place: ${reason}`, {
    path: ['spec', 'runtime', 'settings'],
    detail:
      'cosi changes only the keys it manages and keeps the rest of the file byte for byte; write this setting in the form the file already uses, or move it to a file the engine imports (containerd `imports`, CRI-O crio.conf.d/)',
  });
}

/** inPlaceReason says why the file is left, recorded, or edited (how many keys, in a new file or not). Pure. */
function inPlaceReason(request: {action: Action; path: string; edits: number; file: ObservedFile}): string {
  const {action, path, edits, file} = request;
  if (action === 'noop') return `${path} holds the managed settings`;
  if (edits === 0)
    return `${path} holds the managed settings, but cosi's change to it was interrupted before it was recorded: record it`;
  return `${edits} key${edits === 1 ? '' : 's'} of ${path} ${file.state === 'missing' ? 'to set in a new file' : 'differ'}; every other key and comment is kept`;
}

/** restoreEdit is the edit that puts one key back as cosi found it, or undefined when it already is. */
export function restoreEdit(text: string, original: OriginalKey): TomlEdit | undefined {
  const now = rawValue(text, original.path);
  if (now === original.raw) return undefined;
  return original.raw === null ? {path: original.path, remove: true} : {path: original.path, raw: original.raw};
}

/**
 * containerdLayout checks containerd's file against the installed engine: its config `version` (a missing file gets
 * the one the engine reads), each declared setting placed in that version's layout, and every key against the
 * installed version's own key set (`containerd config default`). Pure.
 */
function containerdLayout(request: {
  path: string;
  file: ObservedFile;
  written: unknown;
  leaves: readonly SettingLeaf[];
  observed: RuntimeObserved;
}): {base?: string; leaves: SettingLeaf[]; diagnostics: Diagnostic[]} {
  const {path, file, written, observed} = request;
  const diagnostics: Diagnostic[] = [];
  const major = observed.version?.parsed[0];
  const version = (
    typeof written === 'number' ? written : file.state === 'present' ? 1 : defaultConfigVersion(major)
  ) as ConfigVersion;
  if (major !== undefined && !supportedConfigVersions(major).includes(version)) {
    diagnostics.push(
      error(
        `${path} is config version ${version}, which containerd ${observed.version!.parsed.join('.')} does not read`,
        {
          path: ['spec', 'runtime', 'engine'],
          detail: `containerd ${major}.x reads config versions ${supportedConfigVersions(major).join(' and ')}; migrate the file (\`containerd config migrate\`) or change the engine version`,
        },
      ),
    );
  }
  const placed = placeSettings(request.leaves, version);
  diagnostics.push(...placed.diagnostics);
  if (observed.defaults) {
    const name = `containerd ${observed.version?.parsed.join('.') ?? '(installed)'}`;
    const keys = {engine: 'containerd' as const, defaults: observed.defaults, name};
    diagnostics.push(...checkSettingKeys(inLayout(placed.leaves, defaultsVersion(observed.defaults)), keys));
  }
  return {
    ...(file.state === 'missing' ? {base: `version = ${version}\n`} : {}),
    leaves: placed.leaves,
    diagnostics,
  };
}

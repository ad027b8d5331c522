import type {Runtime} from '../../config/generated/types.js';
import {error, type Diagnostic} from '../../diag/diagnostic.js';
import {canonicalJson, digest} from '../../engine/digest.js';
import type {Change} from '../../plan/change.js';
import {restartDisruption} from '../../plan/disruption.js';
import {address} from '../../plan/resource-kind.js';
import {backupPath} from './backup.js';
import type {RuntimeChangeData} from './change-data.js';
import {defaultConfigVersion, misplacedSetting, supportedConfigVersions, type ConfigVersion} from './config-version.js';
import {engineProfiles} from './engines.js';
import type {RuntimeObserved} from './probe.js';
import type {OriginalKey, RuntimeRecord, StoredRuntimeRecord} from './record.js';
import {lookup, renderKey, renderValue, type SettingLeaf} from './settings-leaves.js';
import {withEngineDefaults} from './engine-defaults.js';
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
  const {runtime, leaves, observed, record} = request;
  const profile = engineProfiles[runtime.engine];
  const path = runtime.configPath ?? profile.configPath;
  const file = observed.files[path] ?? {state: 'missing'};
  const text = file.state === 'present' ? file.text : '';
  const parsed = parseTomlDocument(text);
  const at = (leaf: SettingLeaf) => ['spec', 'runtime', 'settings', ...leaf.path];
  if (!parsed.ok)
    return {
      diagnostics: [
        error(`${path} is not valid TOML: ${parsed.reason}`, {
          path: ['spec', 'runtime'],
          detail: 'cosi edits the runtime configuration in place and needs to parse it; fix the file first',
        }),
      ],
    };

  const diagnostics: Diagnostic[] = [];
  let base = text;
  if (runtime.engine === 'containerd') {
    const major = observed.version?.parsed[0];
    const written = parsed.value.version;
    const version = (
      typeof written === 'number' ? written : file.state === 'present' ? 1 : defaultConfigVersion(major)
    ) as ConfigVersion;
    if (file.state === 'missing') base = `version = ${version}\n`;
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
    for (const leaf of leaves) {
      const problem = misplacedSetting(leaf, version);
      if (problem)
        diagnostics.push(
          error(`setting not read by containerd with this config file: ${problem}`, {
            path: at(leaf),
            detail: `${path} has version = ${version}${observed.version ? ` (installed: ${observed.version.text})` : ''}`,
          }),
        );
    }
  }
  if (diagnostics.length > 0) return {diagnostics};

  const backup = observed.files[backupPath(path)];
  const existed = record ? record.original.existed : file.state === 'present';
  const unrecorded = firstWriteUnrecorded(record);
  const settled = record !== undefined && !unrecorded;
  // The tables of the file as cosi found it: the file itself before cosi manages it, then the backup; after an
  // interrupted first change without a backup yet, the file (written only after its backup) is still what cosi found.
  const found = !record ? text : backup?.state === 'present' ? backup.text : existed && !settled ? text : '';
  // The runtime entries the declared keys create get the engine's defaults too (containerd decodes an entry whole).
  const foundParsed = parseTomlDocument(found);
  const all =
    runtime.engine === 'containerd'
      ? withEngineDefaults({
          leaves,
          found: foundParsed.ok ? foundParsed.value : {},
          ...(observed.defaults ? {defaults: observed.defaults} : {}),
          ...(record?.applied ? {applied: record.applied.keys} : {}),
        })
      : leaves;
  const edits: TomlEdit[] = [];
  const details: string[] = [];
  const managed = record?.original.keys ?? {};
  const originals: Record<string, OriginalKey> = {...managed};
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  for (const leaf of all) {
    const key = renderKey(leaf.path);
    const current = lookup(parsed.value, leaf.path);
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
      `${key}: ${renderValue(lookup(parsed.value, original.path))} -> ${original.raw ?? '(unset)'} (no longer in the document: as cosi found it)`,
    );
  }

  const keep = tableKeys(found);
  const edited = edits.length > 0 ? editToml(base, edits, keep) : {ok: true as const, text};
  if (!edited.ok) {
    return {
      diagnostics: [
        error(`cannot change ${path} in place: ${edited.reason}`, {
          path: ['spec', 'runtime', 'settings'],
          detail:
            'cosi changes only the keys it manages and keeps the rest of the file byte for byte; write this setting in the form the file already uses, or move it to a file the engine imports (containerd `imports`, CRI-O crio.conf.d/)',
        }),
      ],
    };
  }
  const newRecord: RuntimeRecord = {
    original: {path, existed, keys: originals},
    applied: {path, keys: after, digest: digest(edited.text)},
  };
  const data: RuntimeChangeData = {
    path,
    write: edited.text,
    ...(!settled && existed && file.state === 'present' ? {backup: {path: backupPath(path), content: text}} : {}),
    record: newRecord,
  };
  const action = edits.length === 0 && !unrecorded ? 'noop' : record ? 'update' : 'create';
  return {
    diagnostics,
    change: {
      address: address('runtime', runtime.engine),
      kind: 'runtime',
      action,
      before: {path, settings: before},
      after: {path, settings: after},
      reason:
        action === 'noop'
          ? `${path} holds the managed settings`
          : edits.length === 0
            ? `${path} holds the managed settings, but cosi's change to it was interrupted before it was recorded: record it`
            : `${edits.length} key${edits.length === 1 ? '' : 's'} of ${path} ${file.state === 'missing' ? 'to set in a new file' : 'differ'}; every other key and comment is kept`,
      disruption: action === 'noop' ? 'none' : restartDisruption(profile.unit),
      dependsOn: [address('package', profile.packageName)],
      inputs: digest({file, version: observed.version?.text ?? null, backup: backup ?? null}),
      ...(details.length > 0 ? {details} : {}),
      ...(!record && action !== 'noop' ? {original: newRecord.original} : {}),
      data,
    },
  };
}

/** restoreEdit is the edit that puts one key back as cosi found it, or undefined when it already is. */
export function restoreEdit(text: string, original: OriginalKey): TomlEdit | undefined {
  const now = rawValue(text, original.path);
  if (now === original.raw) return undefined;
  return original.raw === null ? {path: original.path, remove: true} : {path: original.path, raw: original.raw};
}

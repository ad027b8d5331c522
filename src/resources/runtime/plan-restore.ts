import {error, type Diagnostic} from '../../diag/diagnostic.js';
import {digest} from '../../engine/digest.js';
import type {Change} from '../../plan/change.js';
import {restartDisruption} from '../../plan/disruption.js';
import {backupPath} from './backup.js';
import type {RuntimeChangeData} from './change-data.js';
import {engineProfiles} from './engines.js';
import {restoreEdit} from './plan-in-place.js';
import type {ObservedFile, RuntimeObserved} from './probe.js';
import type {StoredRuntimeRecord} from './record.js';
import {editToml, rawValue, tableKeys, type TomlEdit} from './toml-edit.js';

/**
 * planRestore plans giving back a runtime configuration cosi no longer manages: a file nobody touched since cosi's
 * last write gets back the original kept under /var/lib/cosi/backups byte for byte (or is removed, when cosi created
 * it); an edited file gets back only the keys cosi changed, as cosi found them (also when cosi's first write was
 * interrupted before it was recorded). Pure.
 */
export function planRestore(
  addr: string,
  record: StoredRuntimeRecord,
  observed: RuntimeObserved,
): {change?: Change<RuntimeChangeData>; diagnostics: Diagnostic[]} {
  const path = record.applied?.path ?? record.original.path;
  const engine = addr.slice('runtime.'.length) as keyof typeof engineProfiles;
  const unit = engineProfiles[engine]?.unit ?? `${engine}.service`;
  const file = observed.files[path] ?? {state: 'missing'};
  const backup = observed.files[backupPath(path)] ?? {state: 'missing'};
  const untouched = file.state === 'present' && record.applied !== null && digest(file.text) === record.applied.digest;
  const restored = restoredText({addr, path, record, file, backup, untouched});
  if ('severity' in restored) return {diagnostics: [restored]};
  const {write} = restored;
  const details = restoreDetails(record, file);
  const data: RuntimeChangeData = {
    path,
    ...(write === undefined ? {remove: true as const} : {write}),
    dropBackup: backupPath(path),
  };
  return {
    diagnostics: [],
    change: {
      address: addr,
      kind: 'runtime',
      action: 'delete',
      before: {path, settings: record.applied?.keys ?? {}},
      after:
        write === undefined
          ? null
          : {path, settings: Object.fromEntries(Object.entries(record.original.keys).map(([k, o]) => [k, o.raw]))},
      reason: restoreReason(path, write, untouched),
      disruption: restartDisruption(unit),
      dependsOn: [],
      inputs: digest({file, backup}),
      ...(details.length > 0 ? {details} : {}),
      data,
    },
  };
}

/**
 * restoredText is what the file gets back: the backup byte for byte when the file is missing or nobody touched it
 * since cosi's last write (nothing, so it is removed, when cosi created it), else the file with only the keys cosi
 * changed put back as cosi found them; an error when those keys cannot be put back in place. Pure.
 */
function restoredText(request: {
  addr: string;
  path: string;
  record: StoredRuntimeRecord;
  file: ObservedFile;
  backup: ObservedFile;
  untouched: boolean;
}): {write?: string} | Diagnostic {
  const {addr, path, record, file, backup, untouched} = request;
  const whole = record.original.existed && backup.state === 'present' ? {write: backup.text} : {};
  if (file.state === 'missing') return whole;
  if (untouched && (!record.original.existed || backup.state === 'present')) return whole;
  const edits = Object.values(record.original.keys)
    .map((k) => restoreEdit(file.text, k))
    .filter((e): e is TomlEdit => e !== undefined);
  const edited = editToml(file.text, edits, tableKeys(backup.state === 'present' ? backup.text : ''));
  if (!edited.ok) return error(`cannot restore ${path} as cosi found it: ${edited.reason}`, {address: addr});
  return {write: edited.text};
}

/** restoreDetails lists each key cosi changed whose value differs from the one cosi found, as now -> found. Pure. */
function restoreDetails(record: StoredRuntimeRecord, file: ObservedFile): string[] {
  const details: string[] = [];
  for (const [key, original] of Object.entries(record.original.keys)) {
    const now = file.state === 'present' ? rawValue(file.text, original.path) : null;
    if (now !== original.raw) details.push(`${key}: ${now ?? '(unset)'} -> ${original.raw ?? '(unset)'}`);
  }
  return details;
}

/** restoreReason says how the file is given back: removed, the backup whole, or only the keys cosi changed. Pure. */
function restoreReason(path: string, write: string | undefined, untouched: boolean): string {
  if (write === undefined) return `no longer in the document: ${path} was created by cosi and is removed`;
  if (untouched) return `no longer in the document: ${path} gets back the content cosi found (${backupPath(path)})`;
  return `no longer in the document: the keys cosi changed in ${path} get back the values cosi found; later edits to other keys stay`;
}

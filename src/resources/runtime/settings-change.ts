import type {Runtime} from '../../config/generated/types.js';
import type {Action} from '../../plan/action.js';
import type {Change} from '../../plan/change.js';
import {restartDisruption} from '../../plan/disruption.js';
import {address} from '../../plan/resource-kind.js';
import type {RuntimeChangeData} from './change-data.js';
import {engineProfiles} from './engines.js';
import {digest} from '../../engine/digest.js';
import {backupPath} from './backup.js';
import type {ObservedFile} from './probe.js';
import type {OriginalKey, RuntimeRecord} from './record.js';

/**
 * settingsChange is the runtime's change for its settings, edited in place or written as a drop-in: a change of the
 * file owes the engine's restart and comes after its package; `original` is stored with a first write. Pure.
 */
export function settingsChange(request: {
  runtime: Runtime;
  action: Action;
  path: string;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
  reason: string;
  inputs: string;
  details: readonly string[];
  original?: RuntimeRecord['original'];
  data: RuntimeChangeData;
}): Change<RuntimeChangeData> {
  const {runtime, action, path, details, original} = request;
  const profile = engineProfiles[runtime.engine];
  return {
    address: address('runtime', runtime.engine),
    kind: 'runtime',
    action,
    before: {path, settings: request.before},
    after: {path, settings: request.after},
    reason: request.reason,
    disruption: action === 'noop' ? 'none' : restartDisruption(profile.unit),
    dependsOn: [address('package', profile.packageName)],
    inputs: request.inputs,
    ...(details.length > 0 ? {details: [...details]} : {}),
    ...(original !== undefined ? {original} : {}),
    data: request.data,
  };
}

/**
 * settingsData is what applying the settings writes: the file, the backup of a file cosi finds before its first
 * write (never over an earlier one: not once `settled`), and the record of the original and applied keys. Pure.
 */
export function settingsData(request: {
  path: string;
  write: string;
  /** The file as found. */
  file: ObservedFile;
  /** Whether the file existed before cosi first wrote it. */
  existed: boolean;
  /** Whether cosi's first write is recorded (no backup is taken again). */
  settled: boolean;
  keys: Readonly<Record<string, OriginalKey>>;
  after: Record<string, unknown>;
}): {data: RuntimeChangeData; newRecord: RuntimeRecord} {
  const {path, write, file, existed, settled, keys, after} = request;
  const newRecord: RuntimeRecord = {
    original: {path, existed, keys},
    applied: {path, keys: after, digest: digest(write)},
  };
  const data: RuntimeChangeData = {
    path,
    write,
    ...(!settled && existed && file.state === 'present' ? {backup: {path: backupPath(path), content: file.text}} : {}),
    record: newRecord,
  };
  return {data, newRecord};
}

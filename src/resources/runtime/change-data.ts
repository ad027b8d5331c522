import type {RuntimeRecord} from './record.js';

/**
 * RuntimeChangeData is what apply needs: the file to write (or remove), the original to keep under
 * /var/lib/cosi/backups before the first change, and the record to keep in cosi's state.
 */
export interface RuntimeChangeData {
  readonly path: string;
  /** New content of `path`; undefined with `remove` deletes the file. */
  readonly write?: string;
  readonly remove?: true;
  /** The file as cosi found it, copied to the backup path unless a backup is already there. */
  readonly backup?: {readonly path: string; readonly content: string};
  /** The backup to delete once the file is restored (delete). */
  readonly dropBackup?: string;
  readonly record: RuntimeRecord;
}

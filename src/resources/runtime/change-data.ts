import type {FileChange} from '../shared/file-change.js';
import type {RuntimeRecord} from './record.js';

/**
 * RuntimeChangeData is what apply needs: the file to write (or remove), the original to keep under
 * /var/lib/cosi/backups before the first change, and the record to keep in cosi's state (create and update; a
 * delete forgets it).
 */
export interface RuntimeChangeData extends FileChange {
  readonly record?: RuntimeRecord;
}

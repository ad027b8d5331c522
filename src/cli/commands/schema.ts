import {readPackageFile} from '../../package-files.js';
import type {Options} from '../args.js';
import type {Output} from '../output.js';

/** schema prints the document's JSON Schema. */
export async function schema(_options: Options, output: Output): Promise<number> {
  output.out(readPackageFile('schemas/cosi.schema.json'));
  return 0;
}

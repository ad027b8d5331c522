import {readFileSync} from 'node:fs';
import type {Options} from '../args.js';
import type {Output} from '../output.js';

/** schema prints the document's JSON Schema. */
export async function schema(_options: Options, output: Output): Promise<number> {
  output.out(readFileSync(new URL('../../../../schemas/cosi.schema.json', import.meta.url), 'utf8'));
  return 0;
}

import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {packageRoot} from '../../package-root.js';
import type {Options} from '../args.js';
import type {Output} from '../output.js';

/** schema prints the document's JSON Schema. */
export async function schema(_options: Options, output: Output): Promise<number> {
  output.out(readFileSync(join(packageRoot, 'schemas/cosi.schema.json'), 'utf8'));
  return 0;
}

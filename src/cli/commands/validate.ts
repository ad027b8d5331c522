import type {Options} from '../args.js';
import {load} from '../context.js';
import type {Output} from '../output.js';

/** validate checks a document offline (schema and rules); nothing on the node is read. Exit 0 or 1. */
export async function validate(options: Options, output: Output): Promise<number> {
  const document = await load(options, output);
  if (options.json)
    output.out(
      JSON.stringify({
        formatVersion: '1',
        type: 'validate',
        valid: true,
        file: document.file,
        warnings: document.warnings,
      }),
    );
  else output.err(`${document.file}: valid NodeConfig ${JSON.stringify(document.desired.nodeName)}`);
  return 0;
}

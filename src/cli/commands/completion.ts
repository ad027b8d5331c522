import {UsageError, type Options} from '../args.js';
import {bashCompletion} from '../completion.js';
import type {Output} from '../output.js';

/** completion prints the shell completion script; bash is the one shell supported. Reads nothing. */
export async function completion(options: Options, output: Output): Promise<number> {
  const [shell, ...rest] = options.positionals;
  if (shell !== 'bash' || rest.length > 0)
    throw new UsageError(
      `expected 'cosi completion bash', got ${JSON.stringify(['completion', ...options.positionals].join(' '))}`,
    );
  output.out(bashCompletion());
  return 0;
}

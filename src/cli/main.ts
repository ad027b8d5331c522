import {OperationalError, UserError} from '../diag/cosi-error.js';
import {formatDiagnostic} from '../diag/format.js';
import {version} from '../version.js';
import {parseOptions, UsageError, type Options} from './args.js';
import {Failed} from './context.js';
import {usage} from './help.js';
import {createOutput, type Output} from './output.js';

type Command = (options: Options, output: Output) => Promise<number>;

const commands: Record<string, () => Promise<Command>> = {
  validate: async () => (await import('./commands/validate.js')).validate,
  plan: async () => (await import('./commands/plan.js')).plan,
  apply: async () => (await import('./commands/apply.js')).apply,
  drift: async () => (await import('./commands/drift.js')).drift,
  facts: async () => (await import('./commands/facts.js')).facts,
  schema: async () => (await import('./commands/schema.js')).schema,
  'cloud-init': async () => (await import('./commands/cloud-init.js')).cloudInit,
};

/**
 * main runs one cosi command line and returns the exit code: 0 success and nothing to change, 1 error, 2 changes
 * pending. User mistakes print diagnostics; anything else prints one line saying it is a bug (COSI_DEBUG=1 adds
 * the stack). It never lets an exception escape.
 */
export async function main(argv: readonly string[]): Promise<number> {
  let output = createOutput(argv.includes('--no-color'));
  try {
    const options = parseOptions(argv);
    output = createOutput(options.noColor);
    if (options.version) {
      output.out(`cosi ${version}`);
      return 0;
    }
    if (options.help || options.command === undefined || options.command === 'help') {
      output.out(usage);
      return options.command === undefined && !options.help ? 1 : 0;
    }
    const load = commands[options.command];
    if (!load) {
      const {didYouMean} = await import('../diag/did-you-mean.js');
      const suggestion = didYouMean(options.command, Object.keys(commands));
      throw new UsageError(`unknown command ${JSON.stringify(options.command)}${suggestion ? `; did you mean ${JSON.stringify(suggestion)}?` : ''}`);
    }
    return await (await load())(options, output);
  } catch (cause) {
    if (cause instanceof Failed) return 1;
    if (cause instanceof UsageError) {
      output.err(`cosi: error: ${cause.message}\nRun 'cosi --help' for usage.`);
      return 1;
    }
    if (cause instanceof OperationalError) {
      output.err(`cosi: error: ${cause.message}`);
      return 1;
    }
    if (cause instanceof UserError) {
      for (const d of cause.diagnostics) output.err(formatDiagnostic(d, output.color));
      return 1;
    }
    const error = cause as Error;
    const known = error.message.startsWith('internal error') ? '' : 'internal error (this is a bug in cosi, or an unexpected condition on the node): ';
    output.err(`cosi: error: ${known}${error.message}`);
    if (process.env.COSI_DEBUG) output.err(String(error.stack));
    return 1;
  }
}

import {statSync} from 'node:fs';
import {join} from 'node:path';
import {OperationalError, UserError} from '../diag/cosi-error.js';
import {didYouMean} from '../diag/did-you-mean.js';
import {error, type Diagnostic} from '../diag/diagnostic.js';
import {formatDiagnostic} from '../diag/format.js';
import {jsonError} from '../diag/json-error.js';
import {version} from '../version.js';
import {parseOptions, UsageError, type Options} from './args.js';
import {Failed} from './context.js';
import {commandDoc, globalOptions} from './command-docs.js';
import {helpFor} from './help.js';
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
  agent: async () => (await import('./commands/agent.js')).agent,
  get: async () => (await import('./commands/get.js')).get,
  watch: async () => (await import('./commands/watch.js')).watch,
  completion: async () => (await import('./commands/completion.js')).completion,
};

/**
 * main runs one cosi command line and returns the exit code: 0 success and nothing to change, 1 error, 2 changes
 * pending. User mistakes print diagnostics; anything else prints one line saying it is a bug (COSI_DEBUG=1 adds
 * the stack). It never lets an exception escape.
 */
export async function main(argv: readonly string[]): Promise<number> {
  // Modes are cosi's to choose, not the caller's umask (a umask of 000 must not make state or the lock world-writable).
  process.umask(0o022);
  let output = createOutput(argv.includes('--no-color'));
  try {
    const options = parseOptions(argv);
    output = createOutput(options.noColor);
    if (options.version) {
      output.out(`cosi ${version}`);
      return 0;
    }
    if (options.command === 'help') {
      const [topic] = options.positionals;
      if (topic !== undefined && !commandDoc(topic)) throw unknownCommand(topic);
      output.out(helpFor(topic));
      return 0;
    }
    if (options.command === undefined) {
      output.out(helpFor(undefined));
      return options.help ? 0 : 1;
    }
    const load = commands[options.command];
    const doc = commandDoc(options.command);
    if (!load || !doc) throw unknownCommand(options.command);
    if (options.help) {
      output.out(helpFor(options.command));
      return 0;
    }
    const stray = options.given.find(
      (name) =>
        !(globalOptions as readonly string[]).includes(name) && !(doc.options as readonly string[]).includes(name),
    );
    if (stray !== undefined)
      throw new UsageError(`option --${stray} does not apply to 'cosi ${doc.name}'; see 'cosi ${doc.name} --help'`);
    if (options.given.includes('root')) checkRoot(options.root);
    return await (
      await load()
    )(options, output);
  } catch (cause) {
    const diagnostics = failure(cause, output);
    if (argv.includes('--json')) output.out(jsonError(diagnostics));
    return 1;
  }
}

/** failure prints what went wrong on stderr and returns it as diagnostics, for `--json`'s error object. */
function failure(cause: unknown, output: Output): readonly Diagnostic[] {
  if (cause instanceof Failed) return cause.diagnostics;
  if (cause instanceof UsageError) {
    output.err(`cosi: error: ${cause.message}\nRun 'cosi --help' for usage.`);
    return [error(cause.message)];
  }
  if (cause instanceof OperationalError) {
    output.err(`cosi: error: ${cause.message}`);
    return [error(cause.message)];
  }
  if (cause instanceof UserError) {
    for (const d of cause.diagnostics) output.err(formatDiagnostic(d, output.color));
    return cause.diagnostics;
  }
  const message = cause instanceof Error ? cause.message : String(cause);
  const known = message.startsWith('internal error')
    ? ''
    : 'internal error (this is a bug in cosi, or an unexpected condition on the node): ';
  output.err(`cosi: error: ${known}${message}`);
  if (process.env.COSI_DEBUG && cause instanceof Error) output.err(String(cause.stack));
  return [error(`${known}${message}`)];
}

/** checkRoot refuses a --root that is not an existing directory holding a node's file system (SPEC §3); it creates nothing. */
function checkRoot(root: string): void {
  const kind = (path: string) => {
    try {
      return statSync(path).isDirectory() ? 'directory' : 'other';
    } catch {
      return 'missing';
    }
  };
  const found = kind(root);
  if (found !== 'directory')
    throw new UsageError(
      `--root ${root}: ${found === 'missing' ? 'no such directory' : 'not a directory'}; nothing was read or changed`,
    );
  if (kind(join(root, 'etc')) !== 'directory')
    throw new UsageError(
      `--root ${root} does not hold a node's file system (no etc/ directory); nothing was read or changed`,
    );
}

function unknownCommand(name: string): UsageError {
  const suggestion = didYouMean(name, Object.keys(commands));
  return new UsageError(
    `unknown command ${JSON.stringify(name)}${suggestion ? `; did you mean ${JSON.stringify(suggestion)}?` : ''}`,
  );
}

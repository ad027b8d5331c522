import {resolve} from 'node:path';
import {parseArgs} from 'node:util';
import {didYouMean} from '../diag/did-you-mean.js';
import type {OptionName} from './command-docs.js';

/** Options are the parsed command line. */
export interface Options {
  readonly command?: string;
  readonly positionals: readonly string[];
  readonly root: string;
  readonly patches: readonly string[];
  readonly json: boolean;
  readonly noColor: boolean;
  readonly help: boolean;
  readonly version: boolean;
  readonly out?: string;
  readonly detailedExitcode: boolean;
  readonly autoApprove: boolean;
  readonly textfile?: string;
  readonly lockTimeout: number;
  readonly install?: string;
  /** `cosi agent`: milliseconds between reconciles. */
  readonly intervalMs: number;
  readonly mode: 'apply' | 'plan';
  readonly metrics?: string;
  readonly socketGroup: string;
  /** `cosi get` and `cosi watch`: the agent's read socket, when not the one under --root. */
  readonly socket?: string;
  /** given are the options present on the command line, by long name. */
  readonly given: readonly string[];
}

const spec = {
  root: {type: 'string'},
  patch: {type: 'string', multiple: true},
  json: {type: 'boolean'},
  'no-color': {type: 'boolean'},
  help: {type: 'boolean', short: 'h'},
  version: {type: 'boolean'},
  out: {type: 'string'},
  'detailed-exitcode': {type: 'boolean'},
  'auto-approve': {type: 'boolean'},
  textfile: {type: 'string'},
  'lock-timeout': {type: 'string'},
  install: {type: 'string'},
  interval: {type: 'string'},
  mode: {type: 'string'},
  metrics: {type: 'string'},
  'socket-group': {type: 'string'},
  socket: {type: 'string'},
} as const satisfies Record<OptionName, {type: 'string' | 'boolean'; multiple?: boolean; short?: string}>;

/** UsageError is a mistake on the command line. */
export class UsageError extends Error {}

/** parseOptions parses argv (without node and script); unknown options are a UsageError with a suggestion. */
export function parseOptions(argv: readonly string[]): Options {
  let parsed;
  try {
    parsed = parseArgs({args: [...argv], options: spec, allowPositionals: true, strict: true});
  } catch (cause) {
    const message = (cause as Error).message;
    const unknown = /Unknown option '(-{1,2}[^']+)'/.exec(message)?.[1];
    if (unknown) {
      const suggestion = didYouMean(unknown.replace(/^-+/, ''), Object.keys(spec));
      throw new UsageError(`unknown option ${unknown}${suggestion ? `; did you mean --${suggestion}?` : ''}`);
    }
    throw new UsageError(message.split('\n')[0]!);
  }
  const v = parsed.values;
  const lockTimeout = v['lock-timeout'] === undefined ? 0 : Number.parseFloat(v['lock-timeout']);
  if (!Number.isFinite(lockTimeout) || lockTimeout < 0)
    throw new UsageError(
      `expected --lock-timeout to be a non-negative number of seconds, got ${JSON.stringify(v['lock-timeout'])}`,
    );
  const [command, ...positionals] = parsed.positionals;
  return {
    ...(command !== undefined ? {command} : {}),
    positionals,
    // SPEC section 3: a relative --root is resolved against the working directory.
    root: v.root === undefined ? '/' : resolve(v.root),
    patches: v.patch ?? [],
    json: v.json ?? false,
    noColor: v['no-color'] ?? false,
    help: v.help ?? false,
    version: v.version ?? false,
    ...(v.out !== undefined ? {out: v.out} : {}),
    detailedExitcode: v['detailed-exitcode'] ?? false,
    autoApprove: v['auto-approve'] ?? false,
    ...(v.textfile !== undefined ? {textfile: v.textfile} : {}),
    lockTimeout: lockTimeout * 1000,
    ...(v.install !== undefined ? {install: v.install} : {}),
    ...agentOptions(v),
    given: Object.keys(v),
  };
}

/** agentOptions are the options of `cosi agent`, `cosi get` and `cosi watch`. */
function agentOptions(v: {
  interval?: string;
  mode?: string;
  metrics?: string;
  'socket-group'?: string;
  socket?: string;
}) {
  const mode = v.mode ?? 'apply';
  if (mode !== 'apply' && mode !== 'plan')
    throw new UsageError(`expected --mode to be apply or plan, got ${JSON.stringify(mode)}`);
  return {
    intervalMs: parseDuration(v.interval ?? '5m'),
    mode: mode as 'apply' | 'plan',
    ...(v.metrics !== undefined ? {metrics: v.metrics} : {}),
    socketGroup: v['socket-group'] ?? 'cosi',
    ...(v.socket !== undefined ? {socket: v.socket} : {}),
  };
}

/** parseDuration reads `--interval`: a number with a unit (`90s`, `5m`, `1h`), at least one second. */
function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text);
  const ms = m ? Number(m[1]) * {ms: 1, s: 1000, m: 60_000, h: 3_600_000}[m[2] as 'ms' | 's' | 'm' | 'h'] : NaN;
  if (!Number.isFinite(ms) || ms < 1000 || ms > 2 ** 31 - 1)
    throw new UsageError(
      `expected --interval to be a duration between 1s and 24d such as 30s, 5m or 1h, got ${JSON.stringify(text)}`,
    );
  return ms;
}

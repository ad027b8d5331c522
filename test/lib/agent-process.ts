import {execFile, spawn, type ChildProcess} from 'node:child_process';
import {existsSync, mkdtempSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {promisify} from 'node:util';
import {cosiBin} from './run-cli.js';

const run = promisify(execFile);
const repo = join(dirname(new URL(import.meta.url).pathname), '../../..');

/** AgentProcess is a `cosi agent` started by a test, with its log lines. */
export class AgentProcess {
  readonly log: string[] = [];
  exit: Promise<number | null>;
  /** The signal that ended the process, once it has. */
  signal: NodeJS.Signals | null = null;

  constructor(readonly child: ChildProcess) {
    let partial = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop()!;
      this.log.push(...lines);
    });
    child.stdout!.resume();
    this.exit = new Promise((resolve) =>
      child.on('exit', (code, signal) => {
        this.signal = signal;
        resolve(code);
      }),
    );
  }

  /** waitFor resolves when a log line matches, or rejects after `ms`. */
  async waitFor(pattern: RegExp, ms = 30_000, from = 0): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      const line = this.log.slice(from).find((l) => pattern.test(l));
      if (line) return line;
      if (Date.now() > deadline)
        throw new Error(`no log line matched ${pattern} within ${ms} ms:\n${this.log.join('\n')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** stop sends SIGTERM and waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exit;
  }
}

/**
 * startAgent runs `cosi agent` from this working tree with --root ROOT; `prefix` is the command that runs it (a
 * network namespace's `ip netns exec ...`). Resolves once the agent's first reconcile has been logged.
 */
export async function startAgent(request: {
  root: string;
  args?: readonly string[];
  prefix?: readonly string[];
  env?: Record<string, string>;
  waitFor?: RegExp;
}): Promise<AgentProcess> {
  const argv = [
    ...(request.prefix ?? []),
    process.execPath,
    cosiBin,
    'agent',
    '--root',
    request.root,
    ...(request.args ?? []),
  ];
  const child = spawn(argv[0]!, argv.slice(1), {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {...process.env, ...request.env},
  });
  const agent = new AgentProcess(child);
  await agent.waitFor(request.waitFor ?? /"msg":"reconcile/);
  return agent;
}

/** pythonStubs generates Python stubs from cosi's proto/ with Debian's protoc and grpc_python_plugin; returns their directory. */
export async function pythonStubs(): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), 'cosi-pystubs-'));
  // google/protobuf/timestamp.proto as Debian ships it (python3-grpc-tools; libprotobuf-dev has it too).
  const includes = ['/usr/lib/python3/dist-packages/grpc_tools/_proto', '/usr/include'].filter((d) =>
    existsSync(join(d, 'google/protobuf/timestamp.proto')),
  );
  await run('protoc', [
    `-I${join(repo, 'proto')}`,
    ...includes.map((d) => `-I${d}`),
    `--python_out=${out}`,
    `--grpc_out=${out}`,
    '--plugin=protoc-gen-grpc=/usr/bin/grpc_python_plugin',
    'v1alpha1/resource.proto',
    'v1alpha1/state.proto',
    'v1alpha1/meta.proto',
  ]);
  return out;
}

/** ClientResult is the Python client's JSON lines and exit code. */
export interface ClientResult {
  readonly code: number;
  readonly lines: Record<string, unknown>[];
  readonly stderr: string;
}

/** pythonClient runs test/lib/cosi-state-client.py with Debian's /usr/bin/python3; `user` runs it as another uid. */
export async function pythonClient(
  stubs: string,
  socket: string,
  args: readonly string[],
  user?: readonly string[],
): Promise<ClientResult> {
  const argv = [
    ...(user ?? []),
    '/usr/bin/python3',
    join(repo, 'test/lib/cosi-state-client.py'),
    stubs,
    socket,
    ...args,
  ];
  try {
    const {stdout, stderr} = await run(argv[0]!, argv.slice(1), {maxBuffer: 16 << 20});
    return {code: 0, lines: parseLines(stdout), stderr};
  } catch (cause) {
    const e = cause as {code?: number; stdout?: string; stderr?: string};
    return {code: typeof e.code === 'number' ? e.code : -1, lines: parseLines(e.stdout ?? ''), stderr: e.stderr ?? ''};
  }
}

function parseLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

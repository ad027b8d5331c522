import type {CommandRequest, CommandResult, CommandRunner} from './command.js';

const standardPath = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * createExecRunner returns the real command runner: execa with an argument array (never a shell), `LC_ALL=C`,
 * a bounded time, and — when the root is not `/` — the command run inside the root with chroot(8).
 * `onSpawn` is called once per process started (benchmarks count them).
 */
export function createExecRunner(root: string, onSpawn: () => void = () => undefined): CommandRunner {
  return async (request: CommandRequest): Promise<CommandResult> => {
    const {execa} = await import('execa');
    const argv = root === '/' ? [...request.argv] : ['chroot', root, ...request.argv];
    onSpawn();
    const result = await execa(argv[0]!, argv.slice(1), {
      reject: false,
      input: request.input ?? '',
      env: {PATH: standardPath, LC_ALL: 'C', ...request.env},
      extendEnv: false,
      timeout: request.timeoutMs ?? 600_000,
      stripFinalNewline: false,
      maxBuffer: 256 * 1024 * 1024,
    });
    const started = !(result.failed && result.exitCode === undefined && !result.signal && !result.timedOut);
    return {
      exitCode: result.exitCode ?? -1,
      ...(result.signal ? {signal: result.signal} : {}),
      timedOut: result.timedOut,
      stdout: String(result.stdout ?? ''),
      stderr: String(result.stderr ?? (started ? '' : result.message)),
      started,
    };
  };
}

import {spawn, spawnSync} from 'node:child_process';
import {fileURLToPath} from 'node:url';

/** cosiBin is the command line under test, `bin/cosi.js` of this checkout. */
export const cosiBin = fileURLToPath(new URL('../../../bin/cosi.js', import.meta.url));

/** CliRun is the outcome of one run of the command line: exit code, both streams, and wall time in milliseconds. */
export interface CliRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/**
 * runCli runs `node bin/cosi.js ...args` as a separate process and resolves when it exits; never rejects for a
 * non-zero exit. `ms` is measured around the whole process, start-up included.
 */
export async function runCli(
  args: readonly string[],
  options: {cwd?: string; env?: NodeJS.ProcessEnv} = {},
): Promise<CliRun> {
  const started = performance.now();
  const child = spawn(process.execPath, [cosiBin, ...args], {
    cwd: options.cwd,
    env: {...process.env, NO_COLOR: '1', ...options.env},
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
  return {exitCode, stdout, stderr, ms: performance.now() - started};
}

/** runCliSync runs `node bin/cosi.js ...args` and waits for it; never throws for a non-zero exit. Colors off. */
export function runCliSync(
  args: readonly string[],
  options: {cwd?: string; env?: NodeJS.ProcessEnv} = {},
): {exitCode: number | null; stdout: string; stderr: string} {
  const result = spawnSync(process.execPath, [cosiBin, ...args], {
    encoding: 'utf8',
    cwd: options.cwd,
    env: {...process.env, NO_COLOR: '1', ...options.env},
  });
  return {exitCode: result.status, stdout: result.stdout, stderr: result.stderr};
}

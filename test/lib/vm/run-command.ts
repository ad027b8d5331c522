import {spawn} from 'node:child_process';

/**
 * runHostCommand runs argv on the host (no shell), collects its output (stdout and stderr, or with `stdoutOnly` just
 * stdout), and rejects with the command line, exit code and the tail of its output when it fails or exceeds timeoutMs.
 */
export function runHostCommand(
  argv: string[],
  options: {timeoutMs: number; env?: NodeJS.ProcessEnv; cwd?: string; stdoutOnly?: boolean},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const [file, ...args] = argv;
    const child = spawn(file!, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: options.env ?? process.env,
      cwd: options.cwd,
    });
    let output = '';
    let errors = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (options.stdoutOnly ? (errors += d.toString()) : (output += d.toString())));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      const hint =
        (e as NodeJS.ErrnoException).code === 'ENOENT' ? ` (is ${file} installed? see docs/testing-vm.md)` : '';
      reject(new Error(`Expected to run \`${argv.join(' ')}\`, got ${e.message}${hint}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve(output);
      reject(
        new Error(
          `\`${argv.join(' ')}\` failed (exit ${code ?? signal}${signal ? `, limit ${options.timeoutMs} ms` : ''}):\n${(output + errors).slice(-4000)}`,
        ),
      );
    });
  });
}

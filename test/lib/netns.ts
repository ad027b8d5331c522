import {execFile} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {promisify} from 'node:util';

const run = promisify(execFile);
const repo = join(dirname(new URL(import.meta.url).pathname), '../../..');

/** CliResult is one finished cosi run. */
export interface CliResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * NetnsNode is a throw-away node for real-kernel tests: a named network namespace (its net.* sysctls are the
 * real kernel's, private to it) and a temporary root whose /proc is the real /proc, bind-mounted in a private
 * mount namespace for each command, and whose /etc, /var and /run are plain temporary directories. Nothing on
 * this machine outside the namespace and the directory is touched.
 */
export class NetnsNode {
  readonly name = `cosi-test-${randomBytes(3).toString('hex')}`;
  root = '';

  /** create makes the namespace and the root. */
  async create(): Promise<void> {
    this.root = await mkdtemp(join(tmpdir(), 'cosi-netns-'));
    await mkdir(join(this.root, 'proc'));
    await mkdir(join(this.root, 'etc')); // cosi refuses a --root that holds no node's file system
    await run('ip', ['netns', 'add', this.name]);
  }

  /** prefix is the command that runs argv (appended) in the namespace with the root's /proc the real one. */
  prefix(): string[] {
    const script = 'mount --bind /proc "$1/proc" && shift && exec "$@"';
    return [
      'ip',
      'netns',
      'exec',
      this.name,
      'unshare',
      '-m',
      '--propagation',
      'private',
      '--',
      'sh',
      '-c',
      script,
      'sh',
      this.root,
    ];
  }

  /** exec runs argv inside the namespace with the root's /proc mounted. */
  async exec(argv: readonly string[]): Promise<CliResult> {
    const [command, ...args] = this.prefix();
    try {
      const {stdout, stderr} = await run(command!, [...args, ...argv], {env: {...process.env, NO_COLOR: '1'}});
      return {exitCode: 0, stdout, stderr};
    } catch (cause) {
      const e = cause as {code?: number; stdout?: string; stderr?: string};
      return {exitCode: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? ''};
    }
  }

  /** cosi runs the CLI from this working tree with `--root` set to the node's root. */
  cosi(...args: string[]): Promise<CliResult> {
    return this.exec([process.execPath, join(repo, 'bin/cosi.js'), ...args, '--root', this.root]);
  }

  /** sysctl reads a live value inside the namespace. */
  async sysctl(procPath: string): Promise<string> {
    return (await this.exec(['cat', procPath])).stdout.trim();
  }

  /** file reads a file of the root. */
  async file(nodePath: string): Promise<string | undefined> {
    return readFile(join(this.root, nodePath), 'utf8').catch(() => undefined);
  }

  /** writeFile writes a file of the root. */
  async writeFile(nodePath: string, content: string): Promise<void> {
    await mkdir(dirname(join(this.root, nodePath)), {recursive: true});
    await writeFile(join(this.root, nodePath), content);
  }

  /** destroy removes the namespace and the root. */
  async destroy(): Promise<void> {
    await run('ip', ['netns', 'del', this.name]).catch(() => undefined);
    if (this.root) await rm(this.root, {recursive: true, force: true});
  }
}

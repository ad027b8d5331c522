import type {ChildProcess} from 'node:child_process';
import {mkdirSync, readdirSync, readFileSync, rmSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {AgentClient} from './agent.js';
import {consoleTail, VmError} from './console-log.js';
import {ensureCosiLayer} from './cosi-layer.js';
import {ensureBaseImage} from './image.js';
import type {BaseImageRecipe} from './image-recipe.js';
import {vmCacheDir} from './paths.js';
import {type QemuOptions, type QemuProcess, socketDir, startQemu} from './qemu.js';

/** CommandResult is what a command run in the guest returned. A non-zero exit is a result, not an error. */
export type CommandResult = {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
};

/** RunOptions tune one guest command. */
export type RunOptions = {stdin?: string; timeoutMs?: number; env?: Record<string, string>; cwd?: string};

/** VmOptions tune a VM; every field has a default that suits the e2e suites. */
export type VmOptions = {
  /** Progress lines (image builds, boot times); e.g. `t.log`. */
  log?: (line: string) => void;
  /** How long a boot (kernel to agent hello to `systemctl is-system-running --wait`) may take. Default 300 s. */
  bootTimeoutMs?: number;
  memoryMiB?: number;
  cpus?: number;
  /**
   * How {@link Vm.reboot} reboots: 'restart-qemu' (default) lets qemu exit at the guest's reboot and starts it again on
   * the same disk; 'in-place' keeps qemu running through a warm reset, which under TCG boots 2-3 times slower.
   * `COSI_VM_REBOOT=in-place` overrides the default.
   */
  rebootMode?: 'restart-qemu' | 'in-place';
  /** More raw disk images, attached read-only as /dev/vdc, /dev/vdd, ... (an apt repository disk from apt-repo.ts, a NoCloud seed). */
  extraDisks?: string[];
  /** The base image to boot (default: the plain Debian 12 node, `defaultRecipe`). */
  recipe?: BaseImageRecipe;
};

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/**
 * Vm is one throw-away Debian node under qemu/TCG, started from the cached base image (built on first use) with cosi's
 * current build on a layer disk. Each Vm has its own copy-on-write overlay, so it starts fresh. Every failure of the
 * harness (qemu exits, no boot, no answer) throws a {@link VmError} carrying the tail of the serial console log.
 * Call {@link Vm.dispose} (e.g. in `t.teardown`) to kill qemu.
 */
export class Vm {
  /** bootSeconds holds the duration of every boot of this VM (the first and each reboot), host wall clock. */
  readonly bootSeconds: number[] = [];
  /** bootId is the guest kernel's boot id of the current boot. */
  bootId = '';
  /** kernelRelease is `uname -r` in the guest, as reported by the agent. */
  kernelRelease = '';
  /** runDir holds this VM's overlay disk, sockets, console log and qemu's stderr. */
  readonly runDir: string;
  /** consoleLog is the path of the serial console log on the host (all boots of this VM). */
  readonly consoleLog: string;
  private exited: string | undefined;
  private child!: ChildProcess;

  private constructor(
    q: QemuProcess,
    private agent: AgentClient,
    private readonly qemuOptions: QemuOptions,
    private readonly options: VmOptions,
  ) {
    this.runDir = qemuOptions.runDir;
    this.consoleLog = q.consoleLog;
    this.attach(q);
  }

  private attach(q: QemuProcess): void {
    this.exited = undefined;
    this.child = q.child;
    live.add(q.child);
    q.child.on('exit', (code, signal) => {
      live.delete(q.child);
      this.exited = `qemu exited (${signal ?? `code ${code}`}); its stderr: ${safeRead(q.stderrLog).trim() || '(empty)'}`;
    });
  }

  /** boot prepares the images (cached), starts qemu and waits until the guest has finished booting. */
  static async boot(options: VmOptions = {}): Promise<Vm> {
    const log = options.log ?? (() => {});
    const base = await ensureBaseImage(options.recipe, log);
    const layer = await ensureCosiLayer(log);
    const runsDir = join(vmCacheDir(), 'runs');
    pruneRuns(runsDir);
    const runDir = join(runsDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}`);
    mkdirSync(runDir, {recursive: true});
    const started = Date.now();
    const rebootMode =
      (process.env['COSI_VM_REBOOT'] as VmOptions['rebootMode']) ?? options.rebootMode ?? 'restart-qemu';
    const qemuOptions: QemuOptions = {
      runDir,
      baseDisk: base.disk,
      layerDisk: layer.disk,
      kernel: base.kernel,
      initrd: base.initrd,
      memoryMiB: options.memoryMiB,
      cpus: options.cpus,
      exitOnReboot: rebootMode === 'restart-qemu',
      extraDisks: options.extraDisks,
      bootFromDisk: base.meta.recipe.boot !== undefined,
    };
    const q = await startQemu(qemuOptions);
    live.add(q.child);
    let agent: AgentClient;
    try {
      agent = await AgentClient.connect(q.agentSocket, 30_000);
    } catch (error) {
      q.child.kill('SIGKILL');
      throw new VmError(`Could not connect to qemu (stderr: ${safeRead(q.stderrLog).trim()})`, q.consoleLog, {
        cause: error,
      });
    }
    const vm = new Vm(q, agent, qemuOptions, options);
    try {
      await vm.waitForBoot([], started);
    } catch (error) {
      vm.dispose();
      throw error;
    }
    log(`vm: booted ${base.meta.kernelVersion} in ${vm.bootSeconds[0]!.toFixed(1)} s (run dir ${runDir})`);
    return vm;
  }

  /** run executes argv in the guest without a shell and returns its exit code and output; default limit 120 s. */
  async run(argv: string[], options: RunOptions = {}): Promise<CommandResult> {
    const timeoutMs = options.timeoutMs ?? 120_000;
    try {
      const r = await this.agent.request({argv, stdin: options.stdin, env: options.env, cwd: options.cwd}, timeoutMs);
      if (r.error) throw new Error(`could not start \`${argv.join(' ')}\` in the guest: ${r.error}`);
      return {exitCode: r.exitCode, signal: r.signal, stdout: r.stdout, stderr: r.stderr, timedOut: r.timedOut};
    } catch (error) {
      throw this.error(`Running \`${argv.join(' ')}\` in the guest failed: ${(error as Error).message}`, error);
    }
  }

  /** runOk is {@link Vm.run} that throws (with the command's output) unless the command exits 0. */
  async runOk(argv: string[], options: RunOptions = {}): Promise<CommandResult> {
    const r = await this.run(argv, options);
    if (r.exitCode !== 0) {
      throw this.error(
        `Expected \`${argv.join(' ')}\` to exit 0 in the guest, got ${r.exitCode ?? r.signal}${r.timedOut ? ' (timed out)' : ''}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`,
      );
    }
    return r;
  }

  /** sh runs script with `sh -c` in the guest. */
  sh(script: string, options: RunOptions = {}): Promise<CommandResult> {
    return this.run(['sh', '-c', script], options);
  }

  /** writeFile writes content to path in the guest (creating parent directories); throws unless it worked. */
  async writeFile(path: string, content: string): Promise<void> {
    await this.runOk(['sh', '-c', 'mkdir -p "$(dirname "$1")" && cat > "$1"', 'sh', path], {stdin: content});
  }

  /** readFile returns the content of path in the guest; throws if it cannot be read. */
  async readFile(path: string): Promise<string> {
    return (await this.runOk(['cat', path])).stdout;
  }

  /**
   * reboot runs `systemctl reboot` in the guest (a clean shutdown) and waits until the agent is back from a new boot
   * (new boot id) and the boot has finished. The disk (the overlay) is kept; see {@link VmOptions.rebootMode} for
   * whether qemu itself is restarted.
   */
  async reboot(): Promise<void> {
    const before = this.bootId;
    const started = Date.now();
    this.agent.send({argv: ['systemctl', 'reboot']});
    if (this.qemuOptions.exitOnReboot) {
      const deadline = Date.now() + 180_000;
      while (this.exited === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      if (this.exited === undefined)
        throw this.error('Expected the guest to shut down for the reboot within 180 s; it did not');
      this.agent.close();
      const q = await startQemu(this.qemuOptions);
      this.attach(q);
      try {
        this.agent = await AgentClient.connect(q.agentSocket, 30_000);
      } catch (error) {
        throw this.error(`Could not connect to the restarted qemu: ${(error as Error).message}`, error);
      }
    }
    await this.waitForBoot([before], started);
    this.options.log?.(`vm: rebooted in ${this.bootSeconds.at(-1)!.toFixed(1)} s`);
  }

  /** shutdown powers the guest off cleanly and waits (up to 120 s) for qemu to exit; kills it otherwise. */
  async shutdown(): Promise<void> {
    if (this.exited === undefined) {
      this.agent.send({argv: ['systemctl', 'poweroff']});
      const deadline = Date.now() + 120_000;
      while (this.exited === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    }
    this.dispose();
  }

  /** dispose kills qemu (if still running) and deletes the overlay disk; the console log stays in runDir. Idempotent. */
  dispose(): void {
    this.agent.close();
    if (this.exited === undefined) this.child.kill('SIGKILL');
    live.delete(this.child);
    rmSync(join(this.runDir, 'overlay.qcow2'), {force: true});
    rmSync(socketDir(this.runDir), {recursive: true, force: true});
  }

  /** consoleTail returns the last lines of the serial console log. */
  consoleTail(lines = 60): string {
    return consoleTail(this.consoleLog, lines);
  }

  private async waitForBoot(notBootIds: string[], started: number): Promise<void> {
    const timeoutMs = this.options.bootTimeoutMs ?? 300_000;
    try {
      const hello = await Promise.race([this.agent.waitForHello(timeoutMs, notBootIds), this.whenExited()]);
      this.bootId = hello.bootId;
      this.kernelRelease = hello.kernel;
    } catch (error) {
      throw this.error(`The guest did not boot: ${(error as Error).message}`, error);
    }
    const left = Math.max(10_000, timeoutMs - (Date.now() - started));
    // "degraded" (a unit failed) still counts as booted; tests that care look at `systemctl --failed`.
    const state = await this.run(['systemctl', 'is-system-running', '--wait'], {timeoutMs: left});
    if (!/^(running|degraded)/.test(state.stdout.trim())) {
      throw this.error(
        `Expected the guest to finish booting, systemctl is-system-running says: ${state.stdout.trim()} ${state.stderr.trim()}`,
      );
    }
    this.bootSeconds.push((Date.now() - started) / 1000);
  }

  private whenExited(): Promise<never> {
    if (this.exited !== undefined) return Promise.reject(new Error(this.exited));
    return new Promise((_, reject) =>
      this.child.once('exit', () => setImmediate(() => reject(new Error(this.exited)))),
    );
  }

  private error(message: string, cause?: unknown): VmError {
    return new VmError(this.exited ? `${message} (${this.exited})` : message, this.consoleLog, {cause});
  }
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function pruneRuns(runsDir: string): void {
  let names: string[];
  try {
    names = readdirSync(runsDir);
  } catch {
    return;
  }
  const sorted = names
    .map((name) => ({name, mtime: statSync(join(runsDir, name)).mtimeMs}))
    .sort((a, b) => b.mtime - a.mtime);
  for (const old of sorted.slice(20)) rmSync(join(runsDir, old.name), {recursive: true, force: true});
}

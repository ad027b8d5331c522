import type {Stats} from 'node:fs';
import type {CommandRequest, CommandResult, CommandRunner} from './command.js';
import {createExecRunner} from './exec-runner.js';
import {joinRoot, normalizeNodePath} from './node-path.js';
import {resolveInRoot} from './resolve-in-root.js';
import {hostCall} from './host-error.js';
import {RootFs, type HeldDir, type HeldPath} from './root-fs.js';

export type {HeldDir, HeldPath} from './root-fs.js';

/** HostStats counts what a command did to the node, for benchmarks and the apply report. */
export interface HostStats {
  spawned: number;
  writes: number;
}

/**
 * Host is the node as cosi sees it: every path is a node path (`/etc/sysctl.d/90-cosi.conf`) under the root
 * prefix, and every command runs inside the root. Nothing in `engine/` or `resources/` touches the file system
 * or starts a process except through a Host.
 */
export interface Host {
  /** The node's root directory on this machine (`/`, or `/host` for a DaemonSet). */
  readonly root: string;
  readonly stats: HostStats;
  /** hostPath maps a node path to this machine's path (lexically; symlinks are not followed). */
  hostPath(nodePath: string): string;
  /** readText returns a file's content, or undefined when it does not exist. */
  readText(nodePath: string): Promise<string | undefined>;
  /** readDir returns the entry names of a directory, sorted, or undefined when it does not exist. */
  readDir(nodePath: string): Promise<string[] | undefined>;
  /** stat follows symlinks inside the root; undefined when missing. */
  stat(nodePath: string): Promise<Stats | undefined>;
  /** lstat does not follow the last symlink; undefined when missing. */
  lstat(nodePath: string): Promise<Stats | undefined>;
  /** resolve follows symlinks the way a process chrooted into the root would. */
  resolve(nodePath: string): Promise<string>;
  /**
   * writeAtomic writes a file atomically (and its parent directories), only when the content differs. A symlink in
   * the file's place is replaced, never written through. With `beneath`, no component below that directory may be
   * a symlink (see {@link ConfinedTo}).
   */
  writeAtomic(nodePath: string, content: string, options?: {mode?: number} & ConfinedTo): Promise<boolean>;
  /** writeKernel writes a value to a kernel interface file (`/proc/sys/...`) in place: these cannot be renamed. */
  writeKernel(nodePath: string, value: string): Promise<void>;
  /**
   * remove deletes a file (or, with `directory`, an empty directory); a symlink is removed itself, never followed. A
   * missing one is not an error. Returns whether something was removed.
   */
  remove(nodePath: string, options?: {directory?: boolean} & ConfinedTo): Promise<boolean>;
  /** move renames a file inside the root, atomically. */
  move(fromNodePath: string, toNodePath: string): Promise<void>;
  /** ensureDir creates a directory and its parents. */
  ensureDir(nodePath: string, mode?: number): Promise<void>;
  /**
   * holdDir opens the directory `nodePath` resolves to inside the root (made with `mode` when missing) and returns a
   * path that names it until `close()`, whatever is renamed meanwhile: for libraries that need a path (the lock).
   */
  holdDir(nodePath: string, mode: number): Promise<HeldDir>;
  /**
   * holdPath opens what `nodePath` resolves to inside the root, of any type, and returns its stats and a path that
   * names it until `close()` (a unix socket to connect to); undefined when missing.
   */
  holdPath(nodePath: string): Promise<HeldPath | undefined>;
  /** run runs a command inside the root. It never throws for a failing command: look at the result. */
  run(request: CommandRequest): Promise<CommandResult>;
}

/**
 * ConfinedTo names a directory above a path below which nothing is followed: the directory itself may be a link (a
 * kubelet root on a data disk), but a symlink or `..` below it fails the call (ELOOP) in the same walk that opens
 * the file, so a check made earlier cannot be raced (a seccomp profile path swapped for a link).
 */
export interface ConfinedTo {
  readonly beneath?: string;
}

/** HostOptions configures a Host. */
export interface HostOptions {
  readonly root?: string;
  /** Substitute command runner (tests with fixture roots). */
  readonly runner?: CommandRunner;
}

/** createHost returns the Host for a root directory (default `/`). */
export function createHost(options: HostOptions = {}): Host {
  const root = options.root ? normalizeNodePath(options.root) : '/';
  const stats: HostStats = {spawned: 0, writes: 0};
  const runner = options.runner ?? createExecRunner(root, () => stats.spawned++);
  const files = new RootFs(root);
  // Which path components are symlinks, remembered while the host only reads (for `resolve`); writes forget it.
  const links = new Map<string, string | undefined>();
  const forget = () => {
    links.clear();
    files.forget();
  };

  // Every file operation goes through RootFs: resolved inside the root from open directories, the last component
  // of a write or removal never followed. Its calls are synchronous behind this promise-returning interface.
  return {
    root,
    stats,
    hostPath: (nodePath) => joinRoot(root, nodePath),
    resolve: async (nodePath) => resolveInRoot(root, nodePath, links),
    readText: async (nodePath) => hostCall('read', nodePath, root, () => files.readText(nodePath)),
    readDir: async (nodePath) => hostCall('list', nodePath, root, () => files.readDir(nodePath)),
    stat: async (nodePath) => hostCall('stat', nodePath, root, () => files.stat(nodePath)),
    lstat: async (nodePath) => hostCall('stat', nodePath, root, () => files.lstat(nodePath)),
    async writeAtomic(nodePath, content, writeOptions = {}) {
      forget();
      const wrote = hostCall('write', nodePath, root, () =>
        files.writeAtomic(nodePath, Buffer.from(content, 'utf8'), writeOptions),
      );
      if (wrote) stats.writes++;
      return wrote;
    },
    async writeKernel(nodePath, value) {
      stats.writes++;
      // O_TRUNC without O_CREAT, as sysctl(8) does: never creates a file, and fixture roots see the whole value.
      hostCall('write', nodePath, root, () => files.writeKernel(nodePath, value));
    },
    async remove(nodePath, removeOptions = {}) {
      forget();
      const removed = hostCall('remove', nodePath, root, () => files.remove(nodePath, removeOptions));
      if (removed) stats.writes++;
      return removed;
    },
    async move(fromNodePath, toNodePath) {
      forget();
      hostCall('rename', `${fromNodePath} to ${toNodePath}`, root, () => files.move(fromNodePath, toNodePath));
      stats.writes++;
    },
    async ensureDir(nodePath, mode = 0o755) {
      forget();
      hostCall('create the directory', nodePath, root, () => files.ensureDir(nodePath, mode));
    },
    holdDir: async (nodePath, mode) => {
      forget();
      return hostCall('create the directory', nodePath, root, () => files.holdDir(nodePath, mode));
    },
    holdPath: async (nodePath) => hostCall('open', nodePath, root, () => files.hold(nodePath)),
    run: (request) => {
      forget();
      return runner(request);
    },
  };
}

// fs.promises (fsp) is loaded on first use: it pulls in Node's stream modules, whose loading read-only commands
// need not pay for at start-up.
import {constants, promises as fsp, lstatSync, readdirSync, readFileSync, statSync, type Stats} from 'node:fs';
import {basename, dirname} from 'node:path';
import {writeFileAtomic, syncDirectory} from './atomic-write.js';
import type {CommandRequest, CommandResult, CommandRunner} from './command.js';
import {createExecRunner} from './exec-runner.js';
import {joinRoot, normalizeNodePath} from './node-path.js';
import {resolveInRoot} from './resolve-in-root.js';

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
  /** writeAtomic writes a file atomically (and its parent directories), only when the content differs. */
  writeAtomic(nodePath: string, content: string, options?: {mode?: number}): Promise<boolean>;
  /** writeKernel writes a value to a kernel interface file (`/proc/sys/...`) in place: these cannot be renamed. */
  writeKernel(nodePath: string, value: string): Promise<void>;
  /** remove deletes a file (or, with `directory`, an empty directory); a missing one is not an error. Returns whether something was removed. */
  remove(nodePath: string, options?: {directory?: boolean}): Promise<boolean>;
  /** move renames a file inside the root, atomically. */
  move(fromNodePath: string, toNodePath: string): Promise<void>;
  /** ensureDir creates a directory and its parents. */
  ensureDir(nodePath: string, mode?: number): Promise<void>;
  /** run runs a command inside the root. It never throws for a failing command: look at the result. */
  run(request: CommandRequest): Promise<CommandResult>;
}

/** HostOptions configures a Host. */
export interface HostOptions {
  readonly root?: string;
  /** Substitute command runner (tests with fixture roots). */
  readonly runner?: CommandRunner;
}

function missing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

// Node takes numeric open flags; @types/node only declares the string ones.
const readNoFollow = {encoding: 'utf8', flag: (constants.O_RDONLY | constants.O_NOFOLLOW) as unknown as string} as const;

/** createHost returns the Host for a root directory (default `/`). */
export function createHost(options: HostOptions = {}): Host {
  const root = options.root ? normalizeNodePath(options.root) : '/';
  const stats: HostStats = {spawned: 0, writes: 0};
  const runner = options.runner ?? createExecRunner(root, () => stats.spawned++);
  // Which path components are symlinks, remembered while the host only reads; any write forgets it all.
  const links = new Map<string, string | undefined>();
  // Directories resolved inside the root, by node path; forgotten with `links`.
  const dirs = new Map<string, string>();
  const forget = () => {
    links.clear();
    dirs.clear();
  };
  const resolve = async (nodePath: string) => resolveInRoot(root, nodePath, links);

  /**
   * readTextSync reads a file as UTF-8. Under a root, its directory is resolved once and remembered, and the file is
   * opened with O_NOFOLLOW: only a file that is itself a symlink (ELOOP) is resolved inside the root and read again,
   * every other one costs no lookup of its own (a probe reads hundreds of files from a few directories).
   */
  function readTextSync(nodePath: string): string {
    const normalized = normalizeNodePath(nodePath);
    const slash = normalized.lastIndexOf('/');
    if (root === '/' || slash === normalized.length - 1) return readFileSync(resolveInRoot(root, normalized, links), 'utf8');
    const parent = normalized.slice(0, slash) || '/';
    let dir = dirs.get(parent);
    if (dir === undefined) {
      dir = resolveInRoot(root, parent, links).replace(/\/$/, '');
      dirs.set(parent, dir);
    }
    try {
      return readFileSync(`${dir}/${normalized.slice(slash + 1)}`, readNoFollow);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOOP') throw error;
      return readFileSync(resolveInRoot(root, normalized, links), 'utf8');
    }
  }

  // Reads are synchronous system calls behind the promise-returning interface: a probe reads hundreds of small
  // files, and a thread pool round trip per call cost more than the reads themselves.
  return {
    root,
    stats,
    hostPath: (nodePath) => joinRoot(root, nodePath),
    resolve,
    async readText(nodePath) {
      try {
        return readTextSync(nodePath);
      } catch (error) {
        if (missing(error)) return undefined;
        throw error;
      }
    },
    async readDir(nodePath) {
      try {
        return readdirSync(await resolve(nodePath)).sort();
      } catch (error) {
        if (missing(error)) return undefined;
        throw error;
      }
    },
    async stat(nodePath) {
      try {
        return statSync(await resolve(nodePath));
      } catch (error) {
        if (missing(error)) return undefined;
        throw error;
      }
    },
    async lstat(nodePath) {
      const normalized = normalizeNodePath(nodePath);
      const parent = await resolve(dirname(normalized));
      try {
        return lstatSync(normalized === '/' ? parent : `${parent.replace(/\/$/, '')}/${basename(normalized)}`);
      } catch (error) {
        if (missing(error)) return undefined;
        throw error;
      }
    },
    async writeAtomic(nodePath, content, writeOptions = {}) {
      forget();
      const target = await resolve(nodePath);
      await fsp.mkdir(dirname(target), {recursive: true, mode: 0o755});
      const wrote = await writeFileAtomic(target, content, writeOptions);
      if (wrote) stats.writes++;
      return wrote;
    },
    async writeKernel(nodePath, value) {
      stats.writes++;
      // O_TRUNC without O_CREAT, as sysctl(8) does: never creates a file, and fixture roots see the whole value.
      await fsp.writeFile(await resolve(nodePath), value, {flag: constants.O_WRONLY | constants.O_TRUNC});
    },
    async remove(nodePath, removeOptions = {}) {
      forget();
      const target = await resolve(nodePath);
      try {
        await fsp.lstat(target);
      } catch (error) {
        if (missing(error)) return false;
        throw error;
      }
      if (removeOptions.directory) await fsp.rmdir(target);
      else await fsp.rm(target, {force: true});
      await syncDirectory(dirname(target));
      stats.writes++;
      return true;
    },
    async move(fromNodePath, toNodePath) {
      forget();
      const from = await resolve(fromNodePath);
      const to = await resolve(toNodePath);
      await fsp.mkdir(dirname(to), {recursive: true, mode: 0o755});
      await fsp.rename(from, to);
      await syncDirectory(dirname(to));
      stats.writes++;
    },
    async ensureDir(nodePath, mode = 0o755) {
      forget();
      const target = await resolve(nodePath);
      await fsp.mkdir(target, {recursive: true, mode});
      await fsp.chmod(target, mode).catch(() => undefined);
    },
    run: (request) => {
      forget();
      return runner(request);
    },
  };
}

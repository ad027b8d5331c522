import {randomBytes} from 'node:crypto';
import {
  chmodSync,
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmdirSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import {crashPoint} from './crash-point.js';
import {normalizeNodePath} from './node-path.js';

// Linux's O_PATH (Node does not export it): a descriptor that names a file without opening it, symlinks included.
const O_PATH = 0o10000000;
const {O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_TRUNC, O_NOFOLLOW, O_DIRECTORY} = constants;
const maxSymlinks = 40;
const maxCachedDirs = 256;

/** at names `name` inside the directory open as `fd`: the kernel resolves it from that directory, never by a path. */
function at(fd: number, name?: string): string {
  return name === undefined ? `/proc/self/fd/${fd}` : `/proc/self/fd/${fd}/${name}`;
}

function errno(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${message}`), {code});
}

function code(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException).code;
}

function closeAll(fds: readonly number[]): void {
  for (const fd of fds) closeSync(fd);
}

/** split turns a node path into its components (normalized first: `..` cannot climb above the node's `/`). */
function split(nodePath: string): string[] {
  return normalizeNodePath(nodePath)
    .split('/')
    .filter((part) => part !== '');
}

/** Parent is an open directory and the name of an entry in it. The caller closes `dir`. */
interface Parent {
  readonly dir: number;
  readonly name: string;
}

/**
 * RootFs is the one root-confined file layer: every path is resolved inside the root the way openat2's
 * `RESOLVE_IN_ROOT` does (systemd's chase(), Go's securejoin), one component at a time from an open directory
 * descriptor, so there is no window between a check and the use of its result. A symlink's target is resolved again
 * inside the root (absolute targets restart at it, `..` stops at it). The last component of a write, rename or
 * removal is never followed: a managed file that is a symlink is replaced or removed itself, never written through.
 * Synchronous: a probe makes hundreds of small calls and a thread pool round trip costs more than each.
 */
export class RootFs {
  /** Open directories by node path, for reads (a probe reads hundreds of files from a few directories). */
  private readonly dirs = new Map<string, number>();

  constructor(readonly root: string) {}

  /** forget closes the cached directories; any change to the tree calls it. */
  forget(): void {
    closeAll([...this.dirs.values()]);
    this.dirs.clear();
  }

  /**
   * walk resolves `parts` from the root, following every symlink inside the root. With `create`, missing
   * directories are made with that mode. Returns an O_PATH descriptor of what the path names (the caller closes
   * it), or undefined when something on the way does not exist. A file where a directory is needed is ENOTDIR.
   */
  walk(parts: readonly string[], options: {create?: number} = {}): number | undefined {
    const stack = [openSync(this.root, O_PATH | O_DIRECTORY)];
    const pending = [...parts];
    let hops = 0;
    try {
      while (pending.length > 0) {
        const part = pending.shift()!;
        if (part === '' || part === '.') continue;
        if (part === '..') {
          if (stack.length > 1) closeSync(stack.pop()!);
          continue;
        }
        const dir = stack.at(-1)!;
        let fd: number;
        try {
          fd = openSync(at(dir, part), O_PATH | O_NOFOLLOW);
        } catch (error) {
          if (code(error) !== 'ENOENT' || options.create === undefined) throw error;
          try {
            mkdirSync(at(dir, part), {mode: options.create});
          } catch (made) {
            if (code(made) !== 'EEXIST') throw made;
          }
          pending.unshift(part);
          continue;
        }
        const info = fstatSync(fd);
        if (info.isSymbolicLink()) {
          closeSync(fd);
          if (++hops > maxSymlinks) throw errno('ELOOP', `too many levels of symbolic links in ${parts.join('/')}`);
          // The target is only a string to resolve again inside the root: a swap after fstat changes nothing.
          const target = readlinkSync(at(dir, part));
          if (target.startsWith('/')) closeAll(stack.splice(1));
          pending.unshift(...target.split('/'));
          continue;
        }
        if (!info.isDirectory() && pending.some((p) => p !== '' && p !== '.')) {
          closeSync(fd);
          throw errno('ENOTDIR', `${part} is not a directory`);
        }
        stack.push(fd);
      }
      return stack.pop();
    } catch (error) {
      if (code(error) === 'ENOENT') return undefined;
      throw error;
    } finally {
      // On success the result was popped off: what is left are the directories on the way.
      closeAll(stack);
    }
  }

  /**
   * parent opens the directory that holds a node path's last component (creating directories with `create`). With
   * `beneath` (a directory above the path), the path is resolved as usual down to `beneath`, which may itself be a
   * link, and below it no component may be a symlink or `..` (openat2's RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS from
   * that directory): a profile directory swapped for a link between a check and the write is refused (ELOOP), not
   * followed.
   */
  parent(nodePath: string, options: {create?: number; beneath?: string} = {}): Parent | undefined {
    const parts = split(nodePath);
    const name = parts.pop();
    if (name === undefined) throw errno('EINVAL', 'the root itself has no parent');
    if (options.beneath === undefined) {
      const dir = this.walk(parts, options);
      return dir === undefined ? undefined : {dir, name};
    }
    const base = split(options.beneath);
    if (base.length > parts.length || base.some((part, i) => parts[i] !== part))
      throw errno('EINVAL', `${nodePath} is not below ${options.beneath}`);
    const top = this.walk(base, options);
    if (top === undefined) return undefined;
    const dir = this.descend(top, parts.slice(base.length), options.create);
    if (dir === undefined) return undefined;
    if (name === '..') {
      closeSync(dir);
      throw errno('EINVAL', `${nodePath} leaves ${options.beneath}`);
    }
    return {dir, name};
  }

  /**
   * descend walks `parts` down from the directory `fd` (which it takes over) refusing symlinks and `..`; missing
   * directories are made with `create`. Returns the last directory's descriptor, or undefined when one is missing.
   */
  private descend(fd: number, parts: readonly string[], create: number | undefined): number | undefined {
    let dir = fd;
    try {
      for (const part of parts) {
        if (part === '..') throw errno('EINVAL', 'a path below a confined directory may not hold ..');
        let next: number;
        try {
          next = openSync(at(dir, part), O_PATH | O_NOFOLLOW);
        } catch (error) {
          if (code(error) !== 'ENOENT' || create === undefined) throw error;
          mkdirSync(at(dir, part), {mode: create});
          next = openSync(at(dir, part), O_PATH | O_NOFOLLOW);
        }
        const info = fstatSync(next);
        closeSync(dir);
        dir = next;
        if (info.isSymbolicLink()) throw errno('ELOOP', `${part} is a symbolic link; cosi does not follow links here`);
        if (!info.isDirectory()) throw errno('ENOTDIR', `${part} is not a directory`);
      }
      const result = dir;
      dir = -1;
      return result;
    } catch (error) {
      if (code(error) === 'ENOENT') return undefined;
      throw error;
    } finally {
      if (dir !== -1) closeSync(dir);
    }
  }

  /**
   * cachedDir is an open directory for reads. A directory below a cached one is opened from it, one component
   * (sysctls sit in hundreds of sibling directories); a component that is a symlink or not a plain name takes the
   * whole walk from the root instead, which resolves it inside the root.
   */
  private cachedDir(nodeDir: string): number | undefined {
    const cached = this.dirs.get(nodeDir);
    if (cached !== undefined) return cached;
    const fd = this.openBelowParent(nodeDir) ?? this.walk(split(nodeDir));
    if (fd === undefined) return undefined;
    if (this.dirs.size >= maxCachedDirs) this.forget();
    this.dirs.set(nodeDir, fd);
    return fd;
  }

  /** openBelowParent opens a directory from its parent's cached descriptor; undefined when the walk must decide. */
  private openBelowParent(nodeDir: string): number | undefined {
    const slash = nodeDir.lastIndexOf('/');
    const name = nodeDir.slice(slash + 1);
    if (slash <= 0 || name === '' || name === '.' || name === '..') return undefined;
    const parent = this.cachedDirOrUndefined(nodeDir.slice(0, slash));
    if (parent === undefined) return undefined;
    let fd: number;
    try {
      fd = openSync(at(parent, name), O_PATH | O_NOFOLLOW);
    } catch {
      return undefined;
    }
    if (fstatSync(fd).isDirectory()) return fd;
    closeSync(fd);
    return undefined;
  }

  private cachedDirOrUndefined(nodeDir: string): number | undefined {
    try {
      return this.cachedDir(nodeDir);
    } catch {
      return undefined;
    }
  }

  /** readText reads a file as UTF-8 (following symlinks inside the root); undefined when it does not exist. */
  readText(nodePath: string): string | undefined {
    const normalized = normalizeNodePath(nodePath);
    const slash = normalized.lastIndexOf('/');
    const dir = this.cachedDir(normalized.slice(0, slash) || '/');
    if (dir === undefined || slash === normalized.length - 1) return this.readFollowing(normalized);
    try {
      return readFileSync(at(dir, normalized.slice(slash + 1)), {
        encoding: 'utf8',
        flag: (O_RDONLY | O_NOFOLLOW) as unknown as string,
      });
    } catch (error) {
      if (code(error) === 'ENOENT' || code(error) === 'ENOTDIR') return undefined;
      if (code(error) !== 'ELOOP') throw error;
      return this.readFollowing(normalized);
    }
  }

  private readFollowing(nodePath: string): string | undefined {
    const fd = this.walk(split(nodePath));
    if (fd === undefined) return undefined;
    try {
      return readFileSync(at(fd), 'utf8');
    } finally {
      closeSync(fd);
    }
  }

  /** readDir lists a directory's entries, sorted; undefined when it does not exist. */
  readDir(nodePath: string): string[] | undefined {
    const fd = this.walk(split(nodePath));
    if (fd === undefined) return undefined;
    try {
      return readdirSync(at(fd)).sort();
    } finally {
      closeSync(fd);
    }
  }

  /** stat describes what a path names, following symlinks inside the root; undefined when missing. */
  stat(nodePath: string): Stats | undefined {
    const fd = this.walk(split(nodePath));
    if (fd === undefined) return undefined;
    try {
      return fstatSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  /** lstat describes the last component itself (a symlink is not followed); undefined when missing. */
  lstat(nodePath: string): Stats | undefined {
    if (split(nodePath).length === 0) return this.stat('/');
    return this.inParent(nodePath, {}, ({dir, name}) => {
      let fd: number;
      try {
        fd = openSync(at(dir, name), O_PATH | O_NOFOLLOW);
      } catch (error) {
        if (code(error) === 'ENOENT') return undefined;
        throw error;
      }
      try {
        return fstatSync(fd);
      } finally {
        closeSync(fd);
      }
    });
  }

  private inParent<T>(
    nodePath: string,
    options: {create?: number; beneath?: string},
    use: (parent: Parent) => T,
  ): T | undefined {
    const parent = this.parent(nodePath, options);
    if (parent === undefined) return undefined;
    try {
      return use(parent);
    } finally {
      closeSync(parent.dir);
    }
  }

  /**
   * writeAtomic replaces a file with `bytes` so that a reader or a crash sees the old or the new file, never a part:
   * a new temporary file in the same directory (O_EXCL, O_NOFOLLOW), fsync, rename over the name, fsync of the
   * directory. An existing file keeps its mode and owner; a symlink in its place is replaced, not followed. Nothing
   * is written when the file holds `bytes` already; returns whether it wrote. `beforeRename` runs between the fsync
   * and the rename (crash tests), as do the crash points `write-partial` (half written) and `write-synced`. Temporary
   * files of writes whose process is gone are removed from the directory after each write and removal in it.
   */
  writeAtomic(
    nodePath: string,
    bytes: Uint8Array,
    options: {mode?: number; dirMode?: number; beneath?: string; beforeRename?: () => void} = {},
  ): boolean {
    this.forget();
    const parent = this.parent(nodePath, {
      create: options.dirMode ?? 0o755,
      ...(options.beneath !== undefined ? {beneath: options.beneath} : {}),
    });
    if (parent === undefined) throw errno('ENOENT', `cannot create the directories of ${nodePath}`);
    const {dir, name} = parent;
    try {
      let mode = options.mode ?? 0o644;
      let owner: {uid: number; gid: number} | undefined;
      const existing = this.openExisting(dir, name);
      if (existing !== undefined) {
        try {
          const info = fstatSync(existing);
          if (!info.isFile()) throw errno('EISDIR', `${nodePath} exists and is not a regular file`);
          if (Buffer.from(bytes).equals(readFileSync(existing))) return false;
          mode = info.mode & 0o7777;
          owner = {uid: info.uid, gid: info.gid};
        } finally {
          closeSync(existing);
        }
      }
      const temporary = `.${name}.cosi-${process.pid}-${randomBytes(4).toString('hex')}`;
      const fd = openSync(at(dir, temporary), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
      try {
        // In two halves, with a crash point between: a kill there leaves a torn temporary file, never a torn file.
        const half = bytes.length >> 1;
        writeAll(fd, bytes, 0, half);
        crashPoint('write-partial');
        writeAll(fd, bytes, half, bytes.length);
        fchmodSync(fd, mode);
        if (owner && process.getuid?.() === 0) fchownSync(fd, owner.uid, owner.gid);
        fsyncSync(fd);
        crashPoint('write-synced');
      } catch (error) {
        closeSync(fd);
        try {
          unlinkSync(at(dir, temporary));
        } catch {
          // Nothing to clean.
        }
        throw error;
      }
      closeSync(fd);
      try {
        options.beforeRename?.();
        renameSync(at(dir, temporary), at(dir, name));
      } catch (error) {
        try {
          unlinkSync(at(dir, temporary));
        } catch {
          // Gone already (a crash test's kill never reaches here).
        }
        throw error;
      }
      syncDir(dir);
      removeStaleTemporaries(dir);
      return true;
    } finally {
      closeSync(dir);
    }
  }

  /** openExisting opens a regular file for reading; undefined when missing or a symlink (which is replaced). */
  private openExisting(dir: number, name: string): number | undefined {
    try {
      return openSync(at(dir, name), O_RDONLY | O_NOFOLLOW);
    } catch (error) {
      if (code(error) === 'ENOENT' || code(error) === 'ELOOP') return undefined;
      throw error;
    }
  }

  /** writeKernel writes a kernel interface file (`/proc/sys/...`) in place, never creating one. */
  writeKernel(nodePath: string, value: string): void {
    const done = this.inParent(nodePath, {}, ({dir, name}) => {
      const fd = openSync(at(dir, name), O_WRONLY | O_TRUNC | O_NOFOLLOW);
      try {
        writeSync(fd, value);
      } finally {
        closeSync(fd);
      }
      return true;
    });
    if (!done) throw errno('ENOENT', `no such kernel file: ${nodePath}`);
  }

  /** remove unlinks the last component itself (never what a symlink points to); false when it was missing. */
  remove(nodePath: string, options: {directory?: boolean; beneath?: string} = {}): boolean {
    this.forget();
    const beneath = options.beneath !== undefined ? {beneath: options.beneath} : {};
    return (
      this.inParent(nodePath, beneath, ({dir, name}) => {
        try {
          if (options.directory) rmdirSync(at(dir, name));
          else unlinkSync(at(dir, name));
        } catch (error) {
          if (code(error) === 'ENOENT') return false;
          throw error;
        }
        syncDir(dir);
        removeStaleTemporaries(dir);
        return true;
      }) ?? false
    );
  }

  /** move renames a file inside the root, atomically; neither name's last component is followed. */
  move(fromNodePath: string, toNodePath: string): void {
    this.forget();
    const from = this.parent(fromNodePath);
    if (from === undefined) throw errno('ENOENT', `no such file: ${fromNodePath}`);
    try {
      const done = this.inParent(toNodePath, {create: 0o755}, (to) => {
        renameSync(at(from.dir, from.name), at(to.dir, to.name));
        syncDir(to.dir);
        return true;
      });
      if (!done) throw errno('ENOENT', `cannot create the directories of ${toNodePath}`);
    } finally {
      closeSync(from.dir);
    }
  }

  /** ensureDir makes a directory and its parents (new ones with `mode`) and sets its mode. */
  ensureDir(nodePath: string, mode = 0o755): void {
    this.forget();
    const fd = this.walk(split(nodePath), {create: mode});
    if (fd === undefined) throw errno('ENOENT', `cannot create ${nodePath}`);
    try {
      if (!fstatSync(fd).isDirectory()) throw errno('ENOTDIR', `${nodePath} is not a directory`);
      chmodSync(at(fd), mode);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * holdDir opens the directory `nodePath` resolves to (made with `mode` when missing) and returns a path that names
   * that very directory until `close()`, whatever is renamed meanwhile: for code that needs a path (the lock library).
   */
  holdDir(nodePath: string, mode: number): HeldDir {
    this.ensureDir(nodePath, mode);
    const fd = this.walk(split(nodePath));
    if (fd === undefined) throw errno('ENOENT', `no such directory: ${nodePath}`);
    return {path: at(fd), close: () => closeSync(fd)};
  }

  /**
   * hold opens what `nodePath` resolves to inside the root (O_PATH: any file type, nothing read) and returns its
   * stats and a path naming that very file until `close()`; undefined when it does not exist. For a unix socket the
   * path is what connect() takes (systemd's connect_unix_path() does the same), so a socket checked is the socket
   * connected to, whatever is renamed meanwhile.
   */
  hold(nodePath: string): HeldPath | undefined {
    const fd = this.walk(split(nodePath));
    if (fd === undefined) return undefined;
    return {path: at(fd), stats: fstatSync(fd), close: () => closeSync(fd)};
  }
}

/** HeldPath is an open file of any type, its stats when opened, and a path naming it while it is held. */
export interface HeldPath extends HeldDir {
  readonly stats: Stats;
}

/** HeldDir is an open directory and a path naming it while it is held. */
export interface HeldDir {
  readonly path: string;
  close(): void;
}

function writeAll(fd: number, bytes: Uint8Array, from: number, to: number): void {
  for (let offset = from; offset < to;) offset += writeSync(fd, bytes, offset, to - offset);
}

function syncDir(dir: number): void {
  const fd = openSync(at(dir), O_RDONLY | O_DIRECTORY);
  try {
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on directories; the rename is still atomic.
  } finally {
    closeSync(fd);
  }
}

const temporaryName = /^\..+\.cosi-(\d+)-[0-9a-f]{8}$/;

/** removeStaleTemporaries removes temporary files of writes whose process is gone (killed before its rename). */
function removeStaleTemporaries(dir: number): void {
  for (const entry of readdirSync(at(dir))) {
    const pid = temporaryName.exec(entry)?.[1];
    if (pid === undefined || Number(pid) === process.pid || alive(Number(pid))) continue;
    try {
      unlinkSync(at(dir, entry));
    } catch {
      // Another cosi cleaned it first.
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return code(error) === 'EPERM';
  }
}

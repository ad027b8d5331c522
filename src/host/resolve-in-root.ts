import {lstat, readlink} from 'node:fs/promises';
import {posix} from 'node:path';
import {joinRoot, normalizeNodePath} from './node-path.js';

const maxSymlinks = 40;

/**
 * resolveInRoot resolves a node path the way a process chrooted into `root` would: symbolic links are followed
 * component by component, absolute targets restart at the root, and `..` never leaves it. The result is the host
 * path to use. Components that do not exist yet are kept as they are (the path of a file about to be created).
 * Read-only; throws only on a symlink loop. `cache` remembers which components are links (concurrent callers share
 * one lookup); whoever holds it must clear it when the file system changes.
 */
export async function resolveInRoot(root: string, nodePath: string, cache?: Map<string, Promise<string | undefined>>): Promise<string> {
  if (root === '/') return normalizeNodePath(nodePath);
  const pending = normalizeNodePath(nodePath).split('/').filter(Boolean);
  const resolved: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '.') continue;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const candidate = joinRoot(root, '/' + [...resolved, part].join('/'));
    let lookup = cache?.get(candidate);
    if (!lookup) {
      lookup = linkTarget(candidate);
      cache?.set(candidate, lookup);
    }
    const target = await lookup;
    if (target === undefined) {
      resolved.push(part);
      continue;
    }
    if (++hops > maxSymlinks) throw new Error(`too many levels of symbolic links in ${nodePath}`);
    const rest = posix.normalize(target).split('/').filter(Boolean);
    if (target.startsWith('/')) resolved.length = 0;
    pending.unshift(...rest);
  }
  return joinRoot(root, '/' + resolved.join('/'));
}

/** linkTarget returns a symlink's target, or undefined for anything else (missing included). */
async function linkTarget(hostPath: string): Promise<string | undefined> {
  try {
    const info = await lstat(hostPath);
    return info.isSymbolicLink() ? await readlink(hostPath) : undefined;
  } catch {
    return undefined;
  }
}

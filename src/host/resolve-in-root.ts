import {lstatSync, readlinkSync} from 'node:fs';
import {posix} from 'node:path';
import {normalizeNodePath} from './node-path.js';

const maxSymlinks = 40;

/**
 * resolveInRoot resolves a node path the way a process chrooted into `root` would: symbolic links are followed
 * component by component, absolute targets restart at the root, and `..` never leaves it. The result is the host
 * path to use. Components that do not exist yet are kept as they are (the path of a file about to be created).
 * `root` is a normalized absolute directory (as `createHost` keeps it). Read-only; throws only on a symlink loop.
 * `cache` remembers which components are links (callers share the lookups of common parent directories); whoever
 * holds it must clear it when the file system changes.
 *
 * The lookups are synchronous `lstat` calls: one is a few microseconds, while an asynchronous one costs a thread
 * pool round trip, and probing hundreds of `/proc/sys` files under a root made those dominate `cosi plan`.
 */
export function resolveInRoot(root: string, nodePath: string, cache?: Map<string, string | undefined>): string {
  if (root === '/') return normalizeNodePath(nodePath);
  const pending = normalizeNodePath(nodePath).split('/').filter(Boolean);
  const resolved: string[] = [];
  // The host path of `resolved`: the root, then clean components (no `.`, `..` or empty ones), so plain
  // concatenation is exact.
  const base = root.replace(/\/+$/, '');
  let prefix = base;
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '.') continue;
    if (part === '..') {
      resolved.pop();
      prefix = resolved.length > 0 ? `${base}/${resolved.join('/')}` : base;
      continue;
    }
    const candidate = `${prefix}/${part}`;
    let target: string | undefined;
    if (cache?.has(candidate)) target = cache.get(candidate);
    else {
      target = linkTarget(candidate);
      cache?.set(candidate, target);
    }
    if (target === undefined) {
      resolved.push(part);
      prefix = candidate;
      continue;
    }
    if (++hops > maxSymlinks) throw new Error(`too many levels of symbolic links in ${nodePath}`);
    const rest = posix.normalize(target).split('/').filter(Boolean);
    if (target.startsWith('/')) {
      resolved.length = 0;
      prefix = base;
    }
    pending.unshift(...rest);
  }
  return resolved.length > 0 ? prefix : `${base}/`;
}

/** linkTarget returns a symlink's target, or undefined for anything else (missing included). */
function linkTarget(hostPath: string): string | undefined {
  try {
    const info = lstatSync(hostPath, {throwIfNoEntry: false});
    return info?.isSymbolicLink() ? readlinkSync(hostPath) : undefined;
  } catch {
    return undefined;
  }
}

import {posix} from 'node:path';

/** normalizedPath matches `/` and absolute paths without empty, `.` or `..` components, NUL bytes or a trailing `/`. */
const normalizedPath = /^(?:\/|(?:\/(?!\.\.?(?:\/|$))[^/\0]+)+)$/;

/**
 * normalizeNodePath turns a path on the node into a normalized absolute path, resolving `.` and `..` lexically so
 * that it can never climb above the node's `/`. It does not look at the file system (see `resolveInRoot`).
 */
export function normalizeNodePath(path: string): string {
  // Most paths are normalized already (probes build them); one native regex test spares the resolve.
  if (normalizedPath.test(path)) return path;
  if (path.includes('\0')) throw new Error(`path contains a NUL byte: ${JSON.stringify(path)}`);
  return posix.resolve('/', path);
}

/** joinRoot prefixes a node path with the root directory (`/host` + `/etc/x` = `/host/etc/x`). */
export function joinRoot(root: string, nodePath: string): string {
  const normalized = normalizeNodePath(nodePath);
  if (root === '/') return normalized;
  return posix.join(root, normalized);
}

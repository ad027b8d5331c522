import {OperationalError} from '../diag/cosi-error.js';

/** HostOperation names what cosi was doing to the node when an OS call failed. */
export type HostOperation = 'read' | 'list' | 'stat' | 'write' | 'remove' | 'rename' | 'create the directory' | 'open';

/**
 * HostError is an OS error on the node (EACCES, EROFS, ENOSPC, a file where a directory should be...), with the
 * operation and the node path it was about: the command line prints it as one line, not as an internal error. The
 * errno code stays on `code`, the original error on `cause`.
 */
export class HostError extends OperationalError {
  readonly code: string | undefined;

  constructor(
    readonly operation: HostOperation,
    readonly nodePath: string,
    root: string,
    cause: unknown,
  ) {
    const code = (cause as NodeJS.ErrnoException).code;
    const reason = (cause as Error).message ?? String(cause);
    super(
      `cannot ${operation} ${nodePath}${root === '/' ? '' : ` (under the root ${root})`}: ${describe(code, reason)}`,
      {cause},
    );
    this.code = code;
  }
}

const reasons: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ENOTDIR: 'a path component is not a directory',
  EISDIR: 'it is a directory',
  ELOOP: 'too many levels of symbolic links',
  ENOENT: 'no such file or directory',
  EIO: 'input/output error',
  EBUSY: 'device or resource busy',
  ENOTEMPTY: 'the directory is not empty',
};

function describe(code: string | undefined, message: string): string {
  const known = code === undefined ? undefined : reasons[code];
  return known ? `${known} (${code})` : message;
}

/** hostCall runs a file operation and turns what it throws into a {@link HostError}. */
export function hostCall<T>(operation: HostOperation, nodePath: string, root: string, call: () => T): T {
  try {
    return call();
  } catch (cause) {
    if (cause instanceof HostError) throw cause;
    throw new HostError(operation, nodePath, root, cause);
  }
}

import {resolve} from 'node:path';
import {hostCall} from './host-error.js';
import {RootFs} from './root-fs.js';

/** AtomicWriteOptions controls the mode of a newly written file. */
export interface AtomicWriteOptions {
  /** Mode for a new file; an existing file keeps its mode and ownership. Default 0o644. */
  readonly mode?: number;
}

/**
 * writeFileAtomic writes a file of this machine that the operator named (`plan --out`, `drift --textfile`), outside
 * any `--root`, with the one atomic writer cosi has (RootFs over `/`): temporary file, fsync, rename, fsync of the
 * directory; missing directories made 0755 whatever the umask; a symlink in the file's place replaced, not written
 * through. A relative path is taken from the working directory. Writes nothing when the file already holds
 * `content`, and returns whether it wrote; an OS error is a HostError naming the path.
 */
export async function writeFileAtomic(
  hostPath: string,
  content: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<boolean> {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const path = resolve(hostPath);
  return hostCall('write', path, '/', () => new RootFs('/').writeAtomic(path, bytes, {mode: options.mode ?? 0o644}));
}

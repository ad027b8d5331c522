import {closeSync, constants, fstatSync, openSync, readlinkSync, readSync, statSync, type Stats} from 'node:fs';
import {dirname} from 'node:path';
import {error, type Diagnostic} from '../diag/diagnostic.js';
import {RootFs} from '../host/root-fs.js';
import {limits} from './limits.js';
import {onReadOnlyMount} from './read-only-mount.js';

/** InNode says that a file is a node path under a root, to be resolved inside it (the default document). */
export interface InNode {
  readonly root: string;
  readonly nodePath: string;
}

type Where = Pick<Diagnostic, 'source'>;

/**
 * readInput reads a document or patch file (`-` is standard input) as UTF-8, refusing files over the size limit
 * before reading them, and files that another user could have changed (sshd's StrictModes, see
 * {@link strictModes}). With `inNode`, the file is resolved inside that root (symlinks cannot lead out of it) and
 * `file` is only its name in messages. Problems come back as a diagnostic.
 *
 * A file is read with synchronous calls: it is one small read, and the stream machinery an asynchronous read loads
 * cost more start-up time than reading the file.
 */
export async function readInput(file: string, inNode?: InNode): Promise<{text?: string; diagnostic?: Diagnostic}> {
  const where = {source: {file, line: 1, col: 1}};
  try {
    const read = file === '-' ? await readStream(process.stdin, where) : readFile(file, where, inNode);
    if (!Buffer.isBuffer(read)) return {diagnostic: read};
    const text = new TextDecoder('utf-8', {fatal: true, ignoreBOM: false}).decode(read);
    let lines = 1;
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) {
      if (++lines > limits.maxLines) {
        return {
          diagnostic: error(`the file has more than ${limits.maxLines} lines; a node document is a few hundred`, {
            source: {file, line: lines, col: 1},
          }),
        };
      }
    }
    return {text};
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return {diagnostic: error(`no such file: ${file}`, where)};
    if (code === 'EACCES') return {diagnostic: error(`permission denied reading ${file}`, where)};
    if (code === 'EISDIR') return {diagnostic: error(`${file} is a directory, not a document`, where)};
    if (cause instanceof TypeError) return {diagnostic: error('the file is not valid UTF-8 text', where)};
    return {diagnostic: error(`cannot read ${file}: ${(cause as Error).message}`, where)};
  }
}

/**
 * readFile reads a regular file of at most the size limit. O_NONBLOCK keeps a named pipe from stalling the open;
 * it is refused as not a regular file. The file may grow while it is read, so the limit is checked on what was read.
 */
function readFile(file: string, where: Where, inNode?: InNode): Buffer | Diagnostic {
  const fd = inNode ? openInNode(inNode) : openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) return error('not a regular file', where);
    const unsafe = strictModes(file, info, readlinkSync(`/proc/self/fd/${fd}`));
    if (unsafe) return error(unsafe, where);
    if (info.size > limits.maxFileBytes) return tooLarge(info.size, where);
    // Room for one byte more than the limit, to tell a file that grew past it from one that fills it exactly.
    const buffer = Buffer.allocUnsafe(limits.maxFileBytes + 1);
    let size = 0;
    for (let n; (n = readSync(fd, buffer, size, buffer.length - size, null)) > 0;) {
      size += n;
      if (size > limits.maxFileBytes) return tooLarge(size, where);
    }
    return buffer.subarray(0, size);
  } finally {
    closeSync(fd);
  }
}

/** openInNode opens a node's file resolved inside its root (RootFs), for reading. */
function openInNode(inNode: InNode): number {
  const files = new RootFs(inNode.root);
  const found = files.walk(inNode.nodePath.split('/'));
  if (found === undefined) throw Object.assign(new Error('no such file'), {code: 'ENOENT'});
  try {
    return openSync(`/proc/self/fd/${found}`, constants.O_RDONLY | constants.O_NONBLOCK);
  } finally {
    closeSync(found);
  }
}

/**
 * strictModes is sshd's StrictModes for cosi's inputs, which decide what root does to the node: the file must be
 * owned by root or by the user running cosi, and no other user may be able to change it — not writable by others,
 * nor (when cosi runs as root) by its group, and no directory above it writable so, unless it has the sticky bit
 * (`/tmp`) or is on a read-only mount (a Kubernetes ConfigMap volume: the kubelet makes its directory with mode 0777
 * and mounts it read-only into the container, and swaps its content only through its own, root's, path). Returns
 * the refusal, naming the file or the directory, or undefined when it is safe.
 */
export function strictModes(file: string, info: Stats, realPath: string): string | undefined {
  const me = process.geteuid?.() ?? 0;
  const mask = me === 0 ? 0o022 : 0o002;
  const mode = (m: number) => `mode ${(m & 0o7777).toString(8).padStart(4, '0')}`;
  if (info.uid !== 0 && info.uid !== me)
    return `refusing ${file}: it is owned by uid ${info.uid}, neither root nor the user running cosi (uid ${me})`;
  if (info.mode & mask)
    return `refusing ${file}: another user can change it (${mode(info.mode)}); make it writable by its owner alone (chmod go-w)`;
  for (let dir = dirname(realPath); ; dir = dirname(dir)) {
    const d = statSync(dir);
    if (d.uid !== 0 && d.uid !== me)
      return `refusing ${file}: the directory ${dir} is owned by uid ${d.uid}, neither root nor the user running cosi`;
    if (d.mode & mask && !(d.mode & 0o1000) && !onReadOnlyMount(dir))
      return `refusing ${file}: another user can replace it, since the directory ${dir} is writable by others without the sticky bit (${mode(d.mode)})`;
    if (dir === '/') return undefined;
  }
}

async function readStream(stream: AsyncIterable<unknown>, where: Where): Promise<Buffer | Diagnostic> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > limits.maxFileBytes) return tooLarge(size, where);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function tooLarge(size: number, where: Where): Diagnostic {
  const mib = (n: number) => (n < 1024 * 1024 ? `${Math.round(n / 1024)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`);
  return error(
    `the file is larger than ${mib(limits.maxFileBytes)} (at least ${mib(size)}); a node document is a few kilobytes`,
    where,
  );
}

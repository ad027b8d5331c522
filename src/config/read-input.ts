import {closeSync, constants, fstatSync, openSync, readSync} from 'node:fs';
import {error, type Diagnostic} from '../diag/diagnostic.js';
import {limits} from './limits.js';

type Where = Pick<Diagnostic, 'source'>;

/**
 * readInput reads a document or patch file (`-` is standard input) as UTF-8, refusing files over the size limit
 * before reading them. Problems come back as a diagnostic.
 *
 * A file is read with synchronous calls: it is one small read, and the stream machinery an asynchronous read loads
 * cost more start-up time than reading the file.
 */
export async function readInput(file: string): Promise<{text?: string; diagnostic?: Diagnostic}> {
  const where = {source: {file, line: 1, col: 1}};
  try {
    const read = file === '-' ? await readStream(process.stdin, where) : readFile(file, where);
    if (!Buffer.isBuffer(read)) return {diagnostic: read};
    const text = new TextDecoder('utf-8', {fatal: true, ignoreBOM: false}).decode(read);
    let lines = 1;
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) {
      if (++lines > limits.maxLines) {
        return {diagnostic: error(`the file has more than ${limits.maxLines} lines; a node document is a few hundred`, {source: {file, line: lines, col: 1}})};
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
function readFile(file: string, where: Where): Buffer | Diagnostic {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) return error('not a regular file', where);
    if (info.size > limits.maxFileBytes) return tooLarge(info.size, where);
    // Room for one byte more than the limit, to tell a file that grew past it from one that fills it exactly.
    const buffer = Buffer.allocUnsafe(limits.maxFileBytes + 1);
    let size = 0;
    for (let n; (n = readSync(fd, buffer, size, buffer.length - size, null)) > 0; ) {
      size += n;
      if (size > limits.maxFileBytes) return tooLarge(size, where);
    }
    return buffer.subarray(0, size);
  } finally {
    closeSync(fd);
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
  return error(`the file is larger than ${mib(limits.maxFileBytes)} (at least ${mib(size)}); a node document is a few kilobytes`, where);
}

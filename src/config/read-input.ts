import {open} from 'node:fs/promises';
import {error, type Diagnostic} from '../diag/diagnostic.js';
import {limits} from './limits.js';

/**
 * readInput reads a document or patch file (`-` is standard input) as UTF-8, refusing files over the size limit
 * before reading them. Problems come back as a diagnostic.
 */
export async function readInput(file: string): Promise<{text?: string; diagnostic?: Diagnostic}> {
  const where = {source: {file, line: 1, col: 1}};
  try {
    const handle = file === '-' ? undefined : await open(file, 'r');
    try {
      if (handle) {
        const info = await handle.stat();
        if (!info.isFile()) return {diagnostic: error('not a regular file', where)};
        if (info.size > limits.maxFileBytes) return {diagnostic: tooLarge(info.size, where)};
      }
      const chunks: Buffer[] = [];
      let size = 0;
      const stream = handle ? handle.createReadStream({autoClose: false}) : process.stdin;
      for await (const chunk of stream) {
        size += (chunk as Buffer).length;
        if (size > limits.maxFileBytes) return {diagnostic: tooLarge(size, where)};
        chunks.push(chunk as Buffer);
      }
      const bytes = Buffer.concat(chunks);
      const text = new TextDecoder('utf-8', {fatal: true, ignoreBOM: false}).decode(bytes);
      let lines = 1;
      for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) {
        if (++lines > limits.maxLines) {
          return {diagnostic: error(`the file has more than ${limits.maxLines} lines; a node document is a few hundred`, {source: {file, line: lines, col: 1}})};
        }
      }
      return {text};
    } finally {
      await handle?.close();
    }
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return {diagnostic: error(`no such file: ${file}`, where)};
    if (code === 'EACCES') return {diagnostic: error(`permission denied reading ${file}`, where)};
    if (code === 'EISDIR') return {diagnostic: error(`${file} is a directory, not a document`, where)};
    if (cause instanceof TypeError) return {diagnostic: error('the file is not valid UTF-8 text', where)};
    return {diagnostic: error(`cannot read ${file}: ${(cause as Error).message}`, where)};
  }
}

function tooLarge(size: number, where: Pick<Diagnostic, 'source'>): Diagnostic {
  const mib = (n: number) => (n < 1024 * 1024 ? `${Math.round(n / 1024)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`);
  return error(`the file is larger than ${mib(limits.maxFileBytes)} (at least ${mib(size)}); a node document is a few kilobytes`, where);
}

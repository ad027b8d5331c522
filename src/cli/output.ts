import {writeSync} from 'node:fs';

/** Output is where a command writes: results to stdout, diagnostics and progress to stderr. */
export interface Output {
  readonly color: boolean;
  out(text: string): void;
  err(text: string): void;
}

/** createOutput writes to the process streams; color only on a terminal, and never with --no-color or NO_COLOR. */
export function createOutput(noColor: boolean): Output {
  const color = !noColor && !process.env.NO_COLOR && process.stdout.isTTY === true;
  const out = fdWriter(1, () => process.stdout);
  const err = fdWriter(2, () => process.stderr);
  return {
    color,
    out: (text) => out(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => err(text.endsWith('\n') ? text : `${text}\n`),
  };
}

/**
 * fdWriter writes to a descriptor with write(2), whole, before returning: a line is out before the change it
 * announces is made, and Node's stream objects (whose set-up is a noticeable part of a short command's start-up) are
 * not needed. A non-blocking descriptor that is full (EAGAIN) hands this and every later write to the Node stream,
 * which queues them in order. A reader that went away (EPIPE: `cosi plan | head`) ends the output quietly.
 */
function fdWriter(fd: number, stream: () => NodeJS.WritableStream): (text: string) => void {
  let viaStream = false;
  let closed = false;
  return (text) => {
    if (closed) return;
    if (viaStream) {
      stream().write(text);
      return;
    }
    const bytes = Buffer.from(text);
    let done = 0;
    try {
      while (done < bytes.length) done += writeSync(fd, bytes, done);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        viaStream = true;
        stream().write(bytes.subarray(done));
      } else if (code === 'EPIPE') closed = true;
      else throw error;
    }
  };
}

/** paint wraps text in an ANSI color when color is on. */
export function paint(
  output: Output,
  code: 'red' | 'green' | 'yellow' | 'bold' | 'dim' | 'cyan',
  text: string,
): string {
  if (!output.color) return text;
  const codes = {red: 31, green: 32, yellow: 33, bold: 1, dim: 2, cyan: 36} as const;
  return `\u001B[${codes[code]}m${text}\u001B[0m`;
}

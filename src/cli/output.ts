/** Output is where a command writes: results to stdout, diagnostics and progress to stderr. */
export interface Output {
  readonly color: boolean;
  out(text: string): void;
  err(text: string): void;
}

/** createOutput writes to the process streams; color only on a terminal, and never with --no-color or NO_COLOR. */
export function createOutput(noColor: boolean): Output {
  const color = !noColor && !process.env.NO_COLOR && process.stdout.isTTY === true;
  return {
    color,
    out: (text) => void process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => void process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  };
}

/** paint wraps text in an ANSI color when color is on. */
export function paint(output: Output, code: 'red' | 'green' | 'yellow' | 'bold' | 'dim' | 'cyan', text: string): string {
  if (!output.color) return text;
  const codes = {red: 31, green: 32, yellow: 33, bold: 1, dim: 2, cyan: 36} as const;
  return `\u001B[${codes[code]}m${text}\u001B[0m`;
}

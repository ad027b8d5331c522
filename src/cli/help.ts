import {
  commonOptions,
  commandDoc,
  commandDocs,
  exitSummary,
  optionDocs,
  overview,
  type CommandDoc,
  type OptionDoc,
} from './command-docs.js';

const width = 80;

/** wrap folds text into lines of at most `width` columns, each prefixed by `indent`. */
export function wrap(text: string, indent: string, columns = width): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line !== '' && indent.length + line.length + 1 + word.length > columns) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(indent + line);
  return lines;
}

/** optionLabel is how an option is written in help and man pages: `-h, --help` or `--root DIR`. */
export function optionLabel(option: OptionDoc): string {
  return `${option.short ? `-${option.short}, ` : ''}--${option.name}${option.value ? ` ${option.value}` : ''}`;
}

function table(rows: readonly (readonly [string, string])[]): string[] {
  const column = Math.min(22, Math.max(...rows.map(([label]) => label.length)) + 4);
  return rows.flatMap(([label, text]) => {
    const body = wrap(text, ' '.repeat(column));
    const head = `  ${label}`;
    if (head.length + 2 <= column && body.length > 0)
      return [head.padEnd(column) + body[0]!.trimStart(), ...body.slice(1)];
    return [head, ...body];
  });
}

/** usage is the text of `cosi --help`: the commands, the common options and the exit codes. */
export function usage(): string {
  const commands = table(commandDocs.map((c) => [`${c.name}`, c.summary]));
  return [
    'cosi — declarative configuration for Kubernetes nodes',
    '',
    ...wrap(overview, ''),
    '',
    'Usage: cosi COMMAND [ARGS] [OPTIONS]',
    '',
    'Commands:',
    ...commands,
    '',
    'Common options:',
    ...table(commonOptions.map((o) => [optionLabel(o), o.description])),
    '',
    'Exit codes:',
    ...table(exitSummary.map(([code, text]) => [String(code), text])),
    '',
    "Run 'cosi COMMAND --help' for a command's options; 'man cosi' for the manual.",
    '',
  ].join('\n');
}

/** commandUsage is the text of `cosi COMMAND --help`: synopsis, description, arguments, options, exit codes. */
export function commandUsage(doc: CommandDoc): string {
  const options = [...doc.options.map((name) => optionDocs[name]), optionDocs.help];
  return [
    ...synopsisLines(doc),
    '',
    ...doc.description.flatMap((paragraph, i) => [...(i > 0 ? [''] : []), ...wrap(paragraph, '')]),
    ...(doc.operands.length > 0 ? ['', 'Arguments:', ...table(doc.operands.map((o) => [o.name, o.description]))] : []),
    '',
    'Options:',
    ...table(options.map((o) => [optionLabel(o), o.description])),
    '',
    'Exit codes:',
    ...table(doc.exitCodes.map(([code, text]) => [String(code), text])),
    ...(doc.examples.length > 0
      ? ['', 'Examples:', ...doc.examples.flatMap(([command, text]) => [`  ${command}`, ...wrap(text, '      ')])]
      : []),
    '',
  ].join('\n');
}

/** synopsisLines folds `Usage: cosi NAME SYNOPSIS` at option boundaries, continuation lines under the first option. */
function synopsisLines(doc: CommandDoc): string[] {
  const head = `Usage: cosi ${doc.name}`;
  const parts = doc.synopsis.match(/\[[^\]]*\](?:\.\.\.)?|\S+/g) ?? [];
  const lines = [head];
  for (const part of parts) {
    const last = lines.length - 1;
    if (lines[last]!.length + 1 + part.length > width && lines[last] !== head)
      lines.push(' '.repeat(head.length) + ' ' + part);
    else lines[last] += ` ${part}`;
  }
  return lines;
}

/** helpFor is the help of a command by name, or the global help for undefined or an unknown name. */
export function helpFor(name: string | undefined): string {
  const doc = name === undefined ? undefined : commandDoc(name);
  return doc ? commandUsage(doc) : usage();
}

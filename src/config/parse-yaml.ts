import {isMap, isPair, isScalar, LineCounter, parseAllDocuments, visit, type Document} from 'yaml';
import {error, type Diagnostic} from '../diag/diagnostic.js';
import {limits} from './limits.js';
import {SourceFile} from './source-file.js';

/** ParsedYaml is a YAML file turned into a plain JSON value, with its source kept for positions. */
export interface ParsedYaml {
  readonly value: unknown;
  readonly source: SourceFile;
}

/**
 * parseYaml parses one YAML (or JSON) document strictly: one document per file, unique keys, bounded aliases and
 * nesting. Problems come back as diagnostics with positions; it never throws for bad input.
 */
export function parseYaml(file: string, text: string): {parsed?: ParsedYaml; diagnostics: Diagnostic[]} {
  const tooDeep = findExcessiveNesting(text);
  if (tooDeep !== undefined) {
    return {
      diagnostics: [
        error(`collections are nested deeper than ${limits.maxDepth} levels`, {
          source: offsetPosition(file, text, tooDeep),
        }),
      ],
    };
  }
  const lines = new LineCounter();
  // Unique keys are checked below in linear time; yaml's own check is quadratic in the size of a map.
  const documents = parseAllDocuments(text, {lineCounter: lines, prettyErrors: false, uniqueKeys: false, strict: true});
  if (documents.length === 0)
    return {
      diagnostics: [error('the file is empty: expected a NodeConfig document', {source: {file, line: 1, col: 1}})],
    };
  const document = documents[0]!;
  const source = new SourceFile(file, document, lines, text);
  const diagnostics: Diagnostic[] = [];
  if (documents.length > 1) {
    diagnostics.push(
      error(`the file holds ${documents.length} YAML documents; cosi reads exactly one NodeConfig per file`, {
        source: source.position(documents[1]!.range[0]),
        detail: 'remove the `---` separator, or split the documents into separate files',
      }),
    );
  }
  for (const problem of [...document.errors, ...document.warnings]) {
    diagnostics.push(error(problem.message.split('\n')[0]!, {source: source.position(problem.pos[0])}));
  }
  diagnostics.push(...duplicateKeys(document, source), ...inexactNumbers(document, source, text));
  if (diagnostics.length > 0) return {diagnostics};
  try {
    return {parsed: {value: document.toJS({maxAliasCount: limits.maxAliasCount}), source}, diagnostics};
  } catch (cause) {
    const message =
      cause instanceof ReferenceError && /alias/i.test(cause.message)
        ? `too many alias expansions (more than ${limits.maxAliasCount}): refusing a possible alias bomb`
        : `cannot read the document: ${(cause as Error).message}`;
    return {diagnostics: [error(message, {source: source.position(0)})]};
  }
}

function duplicateKeys(document: Document.Parsed, source: SourceFile): Diagnostic[] {
  const found: Diagnostic[] = [];
  visit(document, {
    Map(_, map) {
      if (!isMap(map)) return;
      const seen = new Map<string, number>();
      for (const item of map.items) {
        if (!isPair(item) || !isScalar(item.key)) continue;
        const key = String(item.key.value);
        const offset = item.key.range?.[0] ?? 0;
        const first = seen.get(key);
        if (first === undefined) seen.set(key, offset);
        else {
          const firstAt = source.position(first);
          found.push(
            error(`duplicate key ${JSON.stringify(key)}; it is first set at line ${firstAt.line}`, {
              source: source.position(offset),
            }),
          );
        }
      }
    },
  });
  return found;
}

/**
 * inexactNumbers finds numbers that JSON (an IEEE double) cannot hold exactly: any number whose magnitude is above
 * 2^53-1, where consecutive integers are no longer representable (`99999999999999999999` would silently become
 * `100000000000000000000`), and `.inf`/`.nan`, which JSON has no number for. Each is an error at the number, never rounded. Linear in the document's size.
 */
function inexactNumbers(document: Document.Parsed, source: SourceFile, text: string): Diagnostic[] {
  const found: Diagnostic[] = [];
  visit(document, {
    Scalar(_, node) {
      const value = node.value;
      if (typeof value !== 'number' || Math.abs(value) <= Number.MAX_SAFE_INTEGER) return;
      const [start, end] = node.range ?? [0, 0];
      const written = text.slice(start, end).trim() || String(value);
      if (!Number.isFinite(value)) {
        found.push(
          error(`${written} is not a JSON number`, {
            source: source.position(start),
            detail: 'expected a finite number; quote it where the field takes a string',
          }),
        );
        return;
      }
      found.push(
        error(
          `the number ${written} is beyond 2^53: JSON numbers cannot hold it exactly (it would become ${String(value)})`,
          {
            source: source.position(start),
            detail: `expected a number between -${Number.MAX_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}; quote it where the field takes a string`,
          },
        ),
      );
    },
  });
  return found;
}

/** deepIndent matches a line that starts with more spaces and dashes than the depth limit allows. */
const deepIndent = new RegExp(`^[ -]{${limits.maxDepth * 8 + 1}}`, 'm');

/**
 * findExcessiveNesting scans the text for flow collections (`[`, `{`) or block indentation nested deeper than
 * the limit, before the parser sees it, and returns the offset where the limit is crossed. Quoted strings and
 * comments are skipped; the scan is linear.
 */
export function findExcessiveNesting(text: string): number | undefined {
  if (!mayNestTooDeep(text)) return undefined;
  let depth = 0;
  let lineStart = true;
  let indent = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') {
      lineStart = true;
      indent = 0;
      continue;
    }
    if (lineStart) {
      if (c === ' ' || c === '-') {
        if (++indent > limits.maxDepth * 8) return i;
        continue;
      }
      lineStart = false;
    }
    // The scan goes on from the newline that ends a comment, and after the quote that closes a string.
    if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) i = lineEnd(text, i) - 1;
    else if (c === '"' || (c === "'" && (i === 0 || /[\s[{,:]/.test(text[i - 1]!)))) i = closingQuote(text, i + 1, c);
    else if (c === '[' || c === '{') {
      if (++depth > limits.maxDepth) return i;
    } else if (c === ']' || c === '}') depth = Math.max(0, depth - 1);
  }
  return undefined;
}

/**
 * mayNestTooDeep tells whether text can nest too deep at all: fewer brackets than the limit and no line indented
 * that far cannot. Two native scans instead of a loop over every character (which V8 would have to compile to run
 * fast).
 */
function mayNestTooDeep(text: string): boolean {
  return (text.match(/[[{]/g)?.length ?? 0) > limits.maxDepth || deepIndent.test(text);
}

/** lineEnd is the offset of the newline that ends the line at offset start, or the text's length. */
function lineEnd(text: string, start: number): number {
  let i = start;
  while (i < text.length && text[i] !== '\n') i++;
  return i;
}

/**
 * closingQuote is the offset of the quote that closes a string opened just before offset start (in a `"` string a
 * backslash escapes the next character), or the text's length when it is not closed.
 */
function closingQuote(text: string, start: number, quote: string): number {
  for (let i = start; i < text.length; i++) {
    if (text[i] === '\\' && quote === '"') i++;
    else if (text[i] === quote) return i;
  }
  return text.length;
}

/** offsetPosition computes the 1-based line and column of a character offset in `text`. */
export function offsetPosition(file: string, text: string, offset: number): {file: string; line: number; col: number} {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return {file, line, col: offset - lineStart + 1};
}

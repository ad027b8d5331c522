import {isAlias, isMap, isPair, isScalar, isSeq, LineCounter, type Document, type Node} from 'yaml';
import type {DocumentPath, SourcePosition} from '../diag/diagnostic.js';

/**
 * SourceFile is one parsed YAML file with its source positions kept: it answers where a document path is in the
 * file, pointing at a map key (for unknown keys) or at a value (for wrong values).
 */
export class SourceFile {
  readonly file: string;
  readonly document: Document.Parsed;
  private readonly lines: LineCounter;
  private readonly text: string | undefined;

  constructor(file: string, document: Document.Parsed, lines: LineCounter, text?: string) {
    this.file = file;
    this.document = document;
    this.lines = lines;
    this.text = text;
  }

  /** position converts a character offset into a 1-based line and column. */
  position(offset: number): SourcePosition {
    const {line, col} = this.lines.linePos(offset);
    return {file: this.file, line, col};
  }

  /**
   * locate returns the position of the node at `path`, or of the deepest ancestor that exists (a missing
   * required key is reported on its parent map). With `key`, the last segment's key is pointed at instead of
   * its value. With `valueLine`, line N of a block scalar's content is pointed at (its first non-blank column).
   */
  locate(
    path: DocumentPath,
    options: {key?: boolean; valueLine?: number} = {},
  ): {position: SourcePosition; exact: boolean} {
    let node: unknown = this.document.contents;
    let offset = rangeStart(node) ?? 0;
    for (let i = 0; i < path.length; i++) {
      node = this.deref(node);
      const segment = path[i];
      if (isMap(node)) {
        const pair = node.items.find(
          (item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment),
        );
        if (!pair) return {position: this.position(offset), exact: false};
        const last = i === path.length - 1;
        if (last && options.key) return {position: this.position(rangeStart(pair.key) ?? offset), exact: true};
        node = pair.value ?? pair.key;
        offset = rangeStart(node) ?? rangeStart(pair.key) ?? offset;
      } else if (isSeq(node) && /^\d+$/.test(String(segment)) && Number(segment) < node.items.length) {
        node = node.items[Number(segment)];
        offset = rangeStart(node) ?? offset;
      } else {
        return {position: this.position(offset), exact: false};
      }
    }
    const position = this.position(offset);
    const scalar = this.deref(node);
    if (options.valueLine && isScalar(scalar) && (scalar.type === 'BLOCK_LITERAL' || scalar.type === 'BLOCK_FOLDED')) {
      // Content starts on the line after the `|` header; a literal block keeps the value's lines one to one.
      const line = position.line + options.valueLine;
      const start = this.lines.lineStarts[line - 1];
      const text =
        start === undefined || this.text === undefined
          ? undefined
          : this.text.slice(start, this.text.indexOf('\n', start) === -1 ? undefined : this.text.indexOf('\n', start));
      if (start !== undefined)
        return {
          position: {file: this.file, line, col: text === undefined ? 1 : Math.max(1, text.search(/\S/) + 1)},
          exact: true,
        };
    }
    return {position, exact: true};
  }

  private deref(node: unknown): unknown {
    return isAlias(node) ? node.resolve(this.document) : node;
  }
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | undefined)?.range;
  return range ? range[0] : undefined;
}

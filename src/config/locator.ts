import type {Diagnostic, DocumentPath, SourcePosition} from '../diag/diagnostic.js';
import type {PatchOrigin} from './apply-patches.js';
import type {SourceFile} from './source-file.js';

/**
 * Locator finds where a document path came from: the document file, or the patch operation that last wrote it
 * (then the position is inside that operation's `value`).
 */
export class Locator {
  private readonly document: SourceFile;
  private readonly origins: readonly PatchOrigin[];

  constructor(document: SourceFile, origins: readonly PatchOrigin[] = []) {
    this.document = document;
    this.origins = origins;
  }

  /** locate returns the position of `path` (of its key, with `key`). */
  locate(path: DocumentPath, options: {key?: boolean; valueLine?: number} = {}): SourcePosition {
    for (let i = this.origins.length - 1; i >= 0; i--) {
      const origin = this.origins[i]!;
      if (origin.path.length <= path.length && origin.path.every((part, j) => part === String(path[j]))) {
        const rest = path.slice(origin.path.length);
        if (rest.length === 0 && options.key) return origin.source.locate([origin.index, 'path']).position;
        return origin.source.locate([origin.index, 'value', ...rest], options).position;
      }
    }
    return this.document.locate(path, options).position;
  }

  /** place fills in the source position of diagnostics that name a document path but no position yet. */
  place(diagnostics: readonly Diagnostic[], options: {key?: boolean} = {}): Diagnostic[] {
    return diagnostics.map((d) => {
      const placed =
        d.source || !d.path ? d : {...d, source: this.locate(d.path, d.valueLine ? {valueLine: d.valueLine} : options)};
      return d.related
        ? {...placed, related: d.related.map((r) => (r.source ? r : {...r, source: this.locate(r.path, options)}))}
        : placed;
    });
  }
}

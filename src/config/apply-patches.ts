import fastJsonPatch from 'fast-json-patch';
import type {Operation} from 'fast-json-patch';
import {error, type Diagnostic, type DocumentPath, type SourcePosition} from '../diag/diagnostic.js';
import {parseJsonPointer} from '../diag/document-path.js';
import type {SourceFile} from './source-file.js';

/** PatchFile is a parsed RFC 6902 patch file with its source. */
export interface PatchFile {
  readonly operations: unknown;
  readonly source: SourceFile;
}

/** PatchOrigin remembers which patch operation last wrote a part of the document, for positions. */
export interface PatchOrigin {
  readonly path: string[];
  readonly source: SourceFile;
  readonly index: number;
}

const operationNames = ['add', 'remove', 'replace', 'move', 'copy', 'test'];

/**
 * applyPatches applies patch files in order to a copy of the document (RFC 6902, fast-json-patch). A malformed
 * operation, a failing `test` or a path that does not exist is a diagnostic pointing into the patch file.
 */
export function applyPatches(
  document: unknown,
  patches: readonly PatchFile[],
): {document: unknown; origins: PatchOrigin[]; diagnostics: Diagnostic[]} {
  let current = structuredClone(document);
  const origins: PatchOrigin[] = [];
  for (const patch of patches) {
    const at = (path: DocumentPath): SourcePosition => patch.source.locate(path).position;
    if (!Array.isArray(patch.operations)) {
      return {
        document: current,
        origins,
        diagnostics: [
          error('a patch file must hold a list of RFC 6902 operations (`- {op: add, path: /spec/..., value: ...}`)', {
            source: at([]),
          }),
        ],
      };
    }
    const operations = patch.operations as Operation[];
    for (const [index, operation] of operations.entries()) {
      const op = (operation as {op?: unknown})?.op;
      if (typeof op !== 'string' || !operationNames.includes(op)) {
        return {
          document: current,
          origins,
          diagnostics: [
            error(
              `patch operation ${index}: expected \`op\` to be one of ${operationNames.join(', ')}, found ${JSON.stringify(op ?? null)}`,
              {source: at([index])},
            ),
          ],
        };
      }
      try {
        current = fastJsonPatch.applyOperation(current, operation, true, true, false, index).newDocument;
      } catch (cause) {
        const reason =
          (cause as {name?: string; message: string}).name === 'TEST_OPERATION_FAILED'
            ? `\`test\` failed: the document does not hold the expected value at ${operation.path}`
            : (cause as Error).message.split('\n')[0]!;
        return {
          document: current,
          origins,
          diagnostics: [
            error(`patch operation ${index} (${op} ${operation.path ?? ''}): ${reason}`, {source: at([index])}),
          ],
        };
      }
      if (op === 'add' || op === 'replace' || op === 'copy' || op === 'move') {
        origins.push({path: parseJsonPointer(operation.path), source: patch.source, index});
      }
    }
  }
  return {document: current, origins, diagnostics: []};
}

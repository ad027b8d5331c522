import type {Diagnostic} from './diagnostic.js';
import {formatDocumentPath} from './document-path.js';

/**
 * jsonError renders the diagnostics of a failed command as the one JSON object `--json` prints on stdout (SPEC §3):
 * `{"formatVersion": "1", "type": "error", "diagnostics": [{file, line, column, severity, message, path}]}`. Fields
 * that are not known are null; a detail, when there is one, is its own field.
 */
export function jsonError(diagnostics: readonly Diagnostic[]): string {
  return JSON.stringify({
    formatVersion: '1',
    type: 'error',
    diagnostics: diagnostics.map((d) => ({
      file: d.source?.file ?? null,
      line: d.source?.line ?? null,
      column: d.source?.col ?? null,
      severity: d.severity,
      message: d.summary,
      path: d.path && d.path.length > 0 ? formatDocumentPath(d.path) : null,
      ...(d.detail !== undefined ? {detail: d.detail} : {}),
      ...(d.address !== undefined ? {address: d.address} : {}),
      ...(d.related
        ? {
            related: d.related.map((r) => ({
              file: r.source?.file ?? null,
              line: r.source?.line ?? null,
              column: r.source?.col ?? null,
              message: r.message,
              path: formatDocumentPath(r.path),
            })),
          }
        : {}),
    })),
  });
}

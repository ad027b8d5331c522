import type {Diagnostic} from './diagnostic.js';
import {formatDocumentPath} from './document-path.js';

/**
 * formatDiagnostic renders one diagnostic as `FILE:LINE:COL: error: MESSAGE (at PATH)`, the form editors and
 * CI logs understand, followed by an indented detail when there is one.
 */
export function formatDiagnostic(d: Diagnostic, color = false): string {
  const where = d.source ? `${d.source.file}:${d.source.line}:${d.source.col}: ` : 'cosi: ';
  const label = color
    ? d.severity === 'error'
      ? '\u001B[1;31merror\u001B[0m'
      : '\u001B[1;33mwarning\u001B[0m'
    : d.severity;
  const about =
    d.path && d.path.length > 0 ? ` (at ${formatDocumentPath(d.path)})` : d.address ? ` (${d.address})` : '';
  const detail = d.detail ? `\n  ${d.detail.split('\n').join('\n  ')}` : '';
  const notes = (d.related ?? []).map(
    (r) =>
      `\n${r.source ? `${r.source.file}:${r.source.line}:${r.source.col}: ` : 'cosi: '}${color ? '\u001B[1;36mnote\u001B[0m' : 'note'}: ${r.message} (at ${formatDocumentPath(r.path)})`,
  );
  return `${where}${label}: ${d.summary}${about}${detail}${notes.join('')}`;
}

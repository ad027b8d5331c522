/** Severity of a diagnostic: errors stop the command, warnings are printed and the command goes on. */
export type Severity = 'error' | 'warning';

/** DocumentPath is the path of a node in the document, e.g. `['spec', 'modules', 'floppy', 'state']`. */
export type DocumentPath = ReadonlyArray<string | number>;

/** SourcePosition points at a place in a file, 1-based. */
export interface SourcePosition {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/**
 * Diagnostic is a problem found in the user's input or on the node: a user mistake, never a bug in cosi.
 * It names the thing (`path`), what was expected and what was found (`summary`, `detail`), and where (`source`).
 */
export interface Diagnostic {
  readonly severity: Severity;
  readonly summary: string;
  readonly detail?: string;
  /** The document path the problem is about, when it is about the document. */
  readonly path?: DocumentPath;
  /** Where in a file; filled in from `path` by the document's source map when not known earlier. */
  readonly source?: SourcePosition;
  /** A resource address, when the problem is about one resource (`sysctl.net.ipv4.ip_forward`). */
  readonly address?: string;
  /**
   * Other places the problem involves (the other side of a conflict), each printed as its own
   * `FILE:LINE:COL: note: MESSAGE` line; their positions are filled in from `path` like the diagnostic's own.
   */
  readonly related?: readonly RelatedPlace[];
  /**
   * A 1-based line inside the string value at `path` (an AppArmor profile's text): the source position is that line
   * of a block scalar (`|`) in the document, or the value's start for other scalars.
   */
  readonly valueLine?: number;
}

/** RelatedPlace is another place in the document that a diagnostic involves. */
export interface RelatedPlace {
  readonly message: string;
  readonly path: DocumentPath;
  readonly source?: SourcePosition;
}

/** error builds an error diagnostic. */
export function error(summary: string, more: Omit<Diagnostic, 'severity' | 'summary'> = {}): Diagnostic {
  return {severity: 'error', summary, ...more};
}

/** warning builds a warning diagnostic. */
export function warning(summary: string, more: Omit<Diagnostic, 'severity' | 'summary'> = {}): Diagnostic {
  return {severity: 'warning', summary, ...more};
}

/** hasErrors tells whether any diagnostic is an error. */
export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

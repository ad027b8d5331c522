/**
 * ParseResult is the outcome of parsing user or node text: the value, or an error sentence that names what was
 * expected and what was found. Parsers never throw for bad input; callers turn errors into diagnostics.
 */
export type ParseResult<T> = {readonly ok: true; readonly value: T} | {readonly ok: false; readonly error: string};

/** parsed wraps a successfully parsed value. */
export function parsed<T>(value: T): ParseResult<T> {
  return {ok: true, value};
}

/** parseError wraps an error sentence. */
export function parseError<T>(error: string): ParseResult<T> {
  return {ok: false, error};
}

import type {Diagnostic} from './diagnostic.js';

/**
 * UserError carries diagnostics about the user's input or node up to the command line, which prints them and
 * exits 1. It is never a bug in cosi.
 */
export class UserError extends Error {
  readonly diagnostics: readonly Diagnostic[];

  constructor(diagnostics: readonly Diagnostic[]) {
    super(diagnostics.map((d) => d.summary).join('; '));
    this.name = 'UserError';
    this.diagnostics = diagnostics;
  }
}

/** bug reports a broken internal invariant: the message says that it is a bug in cosi. */
export function bug(message: string): never {
  throw new Error(`internal error (this is a bug in cosi): ${message}`);
}

/** assertNever makes a switch over a closed vocabulary exhaustive at compile time. */
export function assertNever(value: never, what = 'value'): never {
  return bug(`unexpected ${what} ${JSON.stringify(value)}`);
}

/**
 * OperationalError is an expected failure on the node that is not the document's fault (the lock is held, cosi's
 * state is unreadable): the command line prints its message as is and exits 1.
 */
export class OperationalError extends Error {
  override readonly name = 'OperationalError';
}

/**
 * assertNever makes a switch over a closed vocabulary exhaustive at compile time; reaching it at run time is a bug
 * in cosi, and it throws saying so.
 */
export function assertNever(value: never, what: string): never {
  throw new Error(`internal error (this is a bug in cosi): unexpected ${what} ${JSON.stringify(value)}`);
}

import {parseError, parsed, type ParseResult} from './parse-result.js';

/**
 * VersionConstraint is what a document may ask of a package's version: `*` (any installed version), `latest`
 * (the newest available; callers resolve it, here it is satisfied by any installed version), an exact version, or
 * `>= VERSION`.
 */
export type VersionConstraint =
  | {readonly kind: 'any'}
  | {readonly kind: 'latest'}
  | {readonly kind: 'exact'; readonly version: string}
  | {readonly kind: 'atLeast'; readonly version: string};

/**
 * parseConstraint reads a constraint: `*`, `latest`, `>= VERSION` (space optional) or a bare `VERSION`. Surrounding
 * white space is ignored. It does not check the version against a package manager's grammar (the caller knows the
 * manager); it refuses empty text, white space inside the version, and other operators (`<`, `>`, `=`, `<=`, `~`),
 * returning the error sentence. Pure.
 */
export function parseConstraint(text: string): ParseResult<VersionConstraint> {
  const t = text.trim();
  const expected = 'Expected a version constraint: `*`, `latest`, `VERSION` or `>= VERSION`';
  if (t === '') return parseError(`${expected}, got an empty string`);
  if (t === '*') return parsed({kind: 'any'});
  if (t === 'latest') return parsed({kind: 'latest'});
  const atLeast = t.startsWith('>=');
  const version = atLeast ? t.slice(2).trim() : t;
  if (version === '') return parseError(`${expected}, got \`${text}\` without a version`);
  if (/^[<>=!~^]/.test(version)) {
    return parseError(`${expected}, got \`${text}\` (cosi supports only the \`>=\` operator)`);
  }
  if (/\s/.test(version)) return parseError(`${expected}, got \`${text}\` with white space inside the version`);
  return parsed(atLeast ? {kind: 'atLeast', version} : {kind: 'exact', version});
}

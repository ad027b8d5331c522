import {assertNever} from '../diag/cosi-error.js';

/** LabelOperation is the specification's LabelTerm.Operation. */
export type LabelOperation = 'EXISTS' | 'EQUAL' | 'NOT_EXISTS' | 'IN' | 'LT' | 'LTE' | 'LT_NUMERIC' | 'LTE_NUMERIC';

/** LabelTerm is one condition on a label (resource.proto's LabelTerm); `invert` negates it. */
export interface LabelTerm {
  readonly key: string;
  readonly op: LabelOperation;
  readonly value: readonly string[];
  readonly invert: boolean;
}

/** LabelQuery matches when all its terms match; a list of queries matches when any of them does. */
export interface LabelQuery {
  readonly terms: readonly LabelTerm[];
}

/** ResourceQuery is a List's or a Watch's filter: label queries (any of), and an id regular expression. */
export interface ResourceQuery {
  readonly labels: readonly LabelQuery[];
  readonly id?: RegExp;
}

/** QueryError is a query the agent cannot evaluate (a bad regular expression): INVALID_ARGUMENT. */
export class QueryError extends Error {}

/**
 * compileIdQuery compiles an IDQuery's regular expression, unanchored as Go's MatchString is (cosi-project/runtime).
 * Empty means no id query. Patterns are limited in length; a pattern JavaScript cannot compile is a QueryError.
 */
export function compileIdQuery(pattern: string | undefined): RegExp | undefined {
  if (!pattern) return undefined;
  if (pattern.length > 1024) throw new QueryError(`id query: the regular expression is longer than 1024 characters`);
  try {
    return new RegExp(pattern, 'u');
  } catch (cause) {
    throw new QueryError(`id query: failed to compile regexp: ${(cause as Error).message}`);
  }
}

/** matchesQuery says whether a resource (its id and labels) passes a query. */
export function matchesQuery(query: ResourceQuery, id: string, labels: Readonly<Record<string, string>>): boolean {
  if (query.id && !query.id.test(id)) return false;
  return query.labels.length === 0 || query.labels.some((q) => q.terms.every((t) => matchesTerm(t, labels)));
}

/**
 * matchesTerm evaluates one term as cosi-project/runtime does: a comparison on a missing label (or on a value that
 * is not a number, for the numeric ones) matches neither way, `invert` included; NOT_EXISTS is EXISTS inverted.
 */
export function matchesTerm(term: LabelTerm, labels: Readonly<Record<string, string>>): boolean {
  if (term.op === 'NOT_EXISTS') return !Object.hasOwn(labels, term.key);
  const result = evaluate(term, labels);
  if (result === undefined) return false;
  return term.invert ? !result : result;
}

/** evaluate is a term's result before `invert`; undefined when it matches neither way. */
function evaluate(term: LabelTerm, labels: Readonly<Record<string, string>>): boolean | undefined {
  const comparison = term.op === 'LT' || term.op === 'LTE' || term.op === 'LT_NUMERIC' || term.op === 'LTE_NUMERIC';
  if (!Object.hasOwn(labels, term.key)) return comparison ? undefined : false;
  const value = labels[term.key]!;
  const [first] = term.value;
  if (term.op !== 'EXISTS' && first === undefined) return false;
  switch (term.op) {
    case 'EXISTS':
      return true;
    case 'EQUAL':
      return value === first;
    case 'IN':
      return term.value.includes(value);
    case 'LT':
      return value < first!;
    case 'LTE':
      return value <= first!;
    case 'LT_NUMERIC':
    case 'LTE_NUMERIC': {
      const [left, right] = [number(value), number(first!)];
      if (left === undefined || right === undefined) return undefined;
      return term.op === 'LT_NUMERIC' ? left < right : left <= right;
    }
    case 'NOT_EXISTS':
      return false;
    default:
      return assertNever(term.op, 'label operation');
  }
}

function number(text: string): number | undefined {
  if (!/^[+-]?\d+(\.\d+)?$/.test(text.trim())) return undefined;
  return Number(text);
}

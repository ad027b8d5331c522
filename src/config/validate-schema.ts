import type {ErrorObject} from 'ajv';
import {didYouMean} from '../diag/did-you-mean.js';
import {error, type Diagnostic, type DocumentPath} from '../diag/diagnostic.js';
import {parseJsonPointer} from '../diag/document-path.js';
import validateDocument from './generated/validate-document.js';

/** SchemaProblem is a schema violation as a diagnostic, plus whether it is about a key rather than a value. */
export interface SchemaProblem {
  readonly diagnostic: Diagnostic;
  readonly onKey: boolean;
}

/**
 * validateSchema checks a document against `schemas/cosi.schema.json` (precompiled at build time) and turns every
 * violation into a diagnostic that names the document path, what was expected and what was found. Pure.
 */
export function validateSchema(document: unknown): SchemaProblem[] {
  if (validateDocument(document)) return [];
  const errors = validateDocument.errors ?? [];
  const problems: SchemaProblem[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    const problem = describe(e, document);
    if (!problem) continue;
    const key = `${problem.diagnostic.path?.join('\u0000')}|${problem.diagnostic.summary}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(problem);
  }
  // Union keywords repeat what their branches said; keep them only where nothing more precise was found.
  const precise = problems.filter((p) => p.diagnostic.detail !== union);
  return problems.filter(
    (p) => p.diagnostic.detail !== union || !precise.some((o) => startsWith(o.diagnostic.path!, p.diagnostic.path!)),
  );
}

const union = 'none of the allowed forms matched';

function startsWith(path: DocumentPath, prefix: DocumentPath): boolean {
  return prefix.length <= path.length && prefix.every((part, i) => String(part) === String(path[i]));
}

/** typedPath turns a JSON pointer into a document path with numbers for array indices. */
function typedPath(pointer: string, document: unknown): (string | number)[] {
  const path: (string | number)[] = [];
  let node: unknown = document;
  for (const part of parseJsonPointer(pointer)) {
    if (Array.isArray(node)) {
      path.push(Number(part));
      node = node[Number(part)];
    } else {
      path.push(part);
      node = node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined;
    }
  }
  return path;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'number') return Number.isInteger(value) ? `the integer ${value}` : `the number ${value}`;
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 60 ? value.slice(0, 57) + '...' : value)}`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** nameOf turns a schema title (`PackageName`) into words (`package name`). */
function nameOf(schema: unknown): string | undefined {
  const title = (schema as {title?: string} | undefined)?.title;
  return title ? title.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase() : undefined;
}

function firstSentence(schema: unknown): string | undefined {
  const description = (schema as {description?: string} | undefined)?.description;
  return description ? description.split(/(?<=\.)\s+(?=[A-Z])/)[0] : undefined;
}

/**
 * describe turns one ajv error into a problem that names the document path, what was expected and what was found;
 * undefined for errors another error says better.
 */
function describe(e: ErrorObject, document: unknown): SchemaProblem | undefined {
  const path = typedPath(e.instancePath, document);
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties':
      return unknownKey(e, path);
    case 'required':
      return {
        onKey: false,
        diagnostic: error(`missing required key ${JSON.stringify(params.missingProperty)}`, {path}),
      };
    case 'propertyNames':
      return undefined; // The inner error, which names the key, says it better.
    case 'type':
      return {
        onKey: false,
        diagnostic: error(`expected ${String(params.type).replace(/,/g, ' or ')}, found ${typeOf(e.data)}`, {path}),
      };
    case 'enum':
      return notAllowed(e, path);
    case 'const':
      return {
        onKey: false,
        diagnostic: error(`expected ${JSON.stringify(params.allowedValue)}, found ${typeOf(e.data)}`, {path}),
      };
    case 'pattern':
    case 'minLength':
    case 'maxLength':
    case 'format':
      return notValid(e, path);
    case 'anyOf':
    case 'oneOf':
      return {onKey: false, diagnostic: error(`${show(e.data)} is not allowed here`, {path, detail: union})};
    case 'maxProperties':
    case 'maxItems':
      return {onKey: false, diagnostic: error(`too many entries: ${e.message}`, {path})};
    default:
      return {onKey: false, diagnostic: error(`${e.message ?? 'invalid'}; found ${typeOf(e.data)}`, {path})};
  }
}

/** unknownKey describes a key the schema does not allow (`additionalProperties`), with the closest known key. */
function unknownKey(e: ErrorObject, path: (string | number)[]): SchemaProblem {
  const key = String((e.params as Record<string, unknown>).additionalProperty);
  const known = Object.keys((e.parentSchema as {properties?: object})?.properties ?? {});
  const suggestion = didYouMean(key, known);
  const expected = known.length > 0 ? `expected one of: ${known.join(', ')}` : undefined;
  return {
    onKey: true,
    diagnostic: error(
      `unknown key ${JSON.stringify(key)}${suggestion ? `; did you mean ${JSON.stringify(suggestion)}?` : ''}`,
      {path: [...path, key], ...(expected ? {detail: expected} : {})},
    ),
  };
}

/** notAllowed describes a value outside an `enum`, with the closest allowed value. */
function notAllowed(e: ErrorObject, path: (string | number)[]): SchemaProblem {
  const allowed = ((e.params as Record<string, unknown>).allowedValues as unknown[]).map((v) => String(v));
  const suggestion = typeof e.data === 'string' ? didYouMean(e.data, allowed) : undefined;
  return {
    onKey: false,
    diagnostic: error(
      `expected one of ${allowed.join(', ')}, found ${typeOf(e.data)}${suggestion ? `; did you mean ${JSON.stringify(suggestion)}?` : ''}`,
      {path},
    ),
  };
}

/**
 * notValid describes a string that breaks its schema's `pattern`, length or `format`: a key (under `propertyNames`)
 * or a value, named by the schema's title and explained by the first sentence of its description.
 */
function notValid(e: ErrorObject, path: (string | number)[]): SchemaProblem {
  const propertyName = (e as ErrorObject & {propertyName?: string}).propertyName;
  const what = nameOf(e.parentSchema);
  const hint = firstSentence(e.parentSchema);
  if (propertyName !== undefined) {
    return {
      onKey: true,
      diagnostic: error(`${JSON.stringify(propertyName)} is not a valid ${what ?? 'key'} here`, {
        path: [...path, propertyName],
        ...(hint ? {detail: hint} : {}),
      }),
    };
  }
  return {
    onKey: false,
    diagnostic: error(`${show(e.data)} is not a valid ${what ?? 'value'} (${e.message})`, {
      path,
      ...(hint ? {detail: hint} : {}),
    }),
  };
}

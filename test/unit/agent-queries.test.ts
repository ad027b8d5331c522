import test from 'ava';
import {compileIdQuery, matchesQuery, matchesTerm, QueryError, type LabelTerm} from '../../src/agent/queries.js';
import {parseWatchRequest, WatchRequestError, encodeBookmark} from '../../src/agent/watch-request.js';

const labels = {'cosi.dev/kind': 'sysctl', 'cosi.dev/managed': 'true', size: '10'};
const term = (op: LabelTerm['op'], key: string, value: string[] = [], invert = false): LabelTerm => ({
  op,
  key,
  value,
  invert,
});

const cases: Array<[string, LabelTerm, boolean]> = [
  ['EXISTS present', term('EXISTS', 'cosi.dev/kind'), true],
  ['EXISTS absent', term('EXISTS', 'nope'), false],
  ['EXISTS absent, inverted', term('EXISTS', 'nope', [], true), true],
  ['NOT_EXISTS absent', term('NOT_EXISTS', 'nope'), true],
  ['NOT_EXISTS present', term('NOT_EXISTS', 'size'), false],
  ['EQUAL', term('EQUAL', 'cosi.dev/managed', ['true']), true],
  ['EQUAL other value', term('EQUAL', 'cosi.dev/managed', ['false']), false],
  ['EQUAL inverted', term('EQUAL', 'cosi.dev/managed', ['false'], true), true],
  ['EQUAL without a value', term('EQUAL', 'cosi.dev/managed'), false],
  ['IN', term('IN', 'cosi.dev/kind', ['module', 'sysctl']), true],
  ['IN not', term('IN', 'cosi.dev/kind', ['module']), false],
  ['LT strings', term('LT', 'size', ['9']), true],
  ['LT_NUMERIC', term('LT_NUMERIC', 'size', ['9']), false],
  ['LTE_NUMERIC equal', term('LTE_NUMERIC', 'size', ['10']), true],
  ['LT_NUMERIC on a non-number matches neither way', term('LT_NUMERIC', 'cosi.dev/kind', ['9'], true), false],
  ['a comparison on a missing label matches neither way', term('LT', 'nope', ['z'], true), false],
];
for (const [name, t0, expected] of cases)
  test(`label term: ${name}`, (t) => {
    t.is(matchesTerm(t0, labels), expected);
  });

test('label queries: terms are ANDed, queries ORed; the id query is an unanchored regular expression', (t) => {
  const managed = {terms: [term('EQUAL', 'cosi.dev/managed', ['true']), term('EQUAL', 'cosi.dev/kind', ['sysctl'])]};
  const module = {terms: [term('EQUAL', 'cosi.dev/kind', ['module'])]};
  t.true(matchesQuery({labels: [managed]}, 'x', labels));
  t.false(matchesQuery({labels: [module]}, 'x', labels));
  t.true(matchesQuery({labels: [module, managed]}, 'x', labels));
  t.true(matchesQuery({labels: []}, 'x', labels));
  t.true(matchesQuery({labels: [], id: compileIdQuery('ipv4')!}, 'net.ipv4.ip_forward', labels));
  t.false(matchesQuery({labels: [], id: compileIdQuery('^vm\\.')!}, 'net.ipv4.ip_forward', labels));
  t.is(compileIdQuery(''), undefined);
  t.throws(() => compileIdQuery('('), {instanceOf: QueryError});
});

test('watch requests: a kind watch, a resource watch, and the refusals cosi-project/runtime makes', (t) => {
  const kind = parseWatchRequest({namespace: 'node', type: 'T', options: {bootstrap_contents: true}, api_version: 1});
  t.is(kind.id, undefined);
  t.true(kind.bootstrap);
  const one = parseWatchRequest({namespace: 'node', type: 'T', id: 'a', _id: 'id', options: null});
  t.is(one.id, 'a');
  const err = (request: Record<string, unknown>) =>
    t.throws(() => parseWatchRequest(request), {instanceOf: WatchRequestError});
  t.is(
    err({namespace: 'n', type: 'T', id: 'a', _id: 'id', options: {bootstrap_contents: true}})!.code,
    'UNIMPLEMENTED',
  );
  t.is(err({namespace: 'n', type: 'T', options: {bootstrap_contents: true, tail_events: 3}})!.code, 'INVALID_ARGUMENT');
  t.is(
    err({
      namespace: 'n',
      type: 'T',
      options: {tail_events: 3, start_from_bookmark: encodeBookmark(1), _start_from_bookmark: 'start_from_bookmark'},
    })!.code,
    'INVALID_ARGUMENT',
  );
  t.is(err({namespace: 'n', type: 'T', options: {id_query: {regexp: '('}}})!.code, 'INVALID_ARGUMENT');
  const from = parseWatchRequest({
    namespace: 'n',
    type: 'T',
    options: {start_from_bookmark: encodeBookmark(7), _start_from_bookmark: 'start_from_bookmark'},
  });
  t.is(from.fromPosition, 7);
});

import test from 'ava';
import fc from 'fast-check';
import {createHash} from 'node:crypto';
import {canonicalJson, digest, sortKeys} from '../../src/engine/digest.js';

// The former canonicalJson: JSON.stringify of a copy with sorted keys. Digests in the state files of nodes were made
// with it, so the direct rendering must produce the same text for every value.
const reference = (value: unknown): string => JSON.stringify(sortKeys(value));

const values = fc.letrec((tie) => ({
  value: fc.oneof(
    {depthSize: 'small'},
    fc.constantFrom(null, undefined, true, false, 0, -0, Number.NaN, Number.POSITIVE_INFINITY, '', '\u2028"\\'),
    fc.double(),
    fc.integer(),
    fc.string({unit: 'binary'}),
    fc.date({noInvalidDate: true}),
    fc.array(tie('value'), {maxLength: 5}),
    fc.dictionary(fc.string({unit: 'binary', maxLength: 6}), tie('value'), {maxKeys: 5}),
  ),
})).value;

test('canonicalJson renders exactly what JSON.stringify of a key-sorted copy renders', (t) => {
  fc.assert(
    fc.property(values, (value) => canonicalJson(value) === reference(value)),
    {numRuns: 5000},
  );
  t.pass();
});

test('canonicalJson sorts keys at every level and drops undefined members as JSON does', (t) => {
  t.is(canonicalJson({b: 1, a: {d: [undefined, () => 1], c: undefined}}), '{"a":{"d":[null,null]},"b":1}');
  t.is(canonicalJson(undefined), undefined as unknown as string);
  t.is(digest({b: 1, a: 2}), digest({a: 2, b: 1}));
  t.is(digest(undefined).length, 32);
  t.is(
    digest({b: [1, 'x'], a: null}),
    createHash('sha256').update('{"a":null,"b":[1,"x"]}').digest('hex').slice(0, 32),
  );
});

import test from 'ava';
import {compareRpmDependency, compareRpmVersions, parseRpmEvr} from '../../src/resources/package/version/index.js';

type Op = '<' | '=' | '>';
const expected: Readonly<Record<Op, -1 | 0 | 1>> = {'<': -1, '=': 0, '>': 1};
const reversed: Readonly<Record<Op, Op>> = {'<': '>', '=': '=', '>': '<'};

const ordered = test.macro({
  exec(t, a: string, op: Op, b: string) {
    t.is(compareRpmVersions(a, b), expected[op]);
    t.is(compareRpmVersions(b, a), expected[reversed[op]], 'reversed');
  },
  title: (_provided, a, op, b) => `rpm: ${a} ${op} ${b}`,
});

test(ordered, '1:1.0', '>', '2.0');
test(ordered, '0:1.0', '=', '1.0');
test(ordered, ':1.0', '=', '0:1.0');
test(ordered, '01:1.0', '=', '1:1.0');
// `~` sorts before everything; `^` after the end of the string but before anything else.
test(ordered, '1.0~rc1', '<', '1.0');
test(ordered, '1.0~rc1', '<', '1.0~rc2');
test(ordered, '1.0~~', '<', '1.0~');
test(ordered, '1.0^git1', '>', '1.0');
test(ordered, '1.0^git1', '<', '1.0.1');
test(ordered, '1.0^git1', '<', '1.0a');
test(ordered, '1.0^git1', '<', '1.0^git2');
test(ordered, '1.0~rc1^git1', '>', '1.0~rc1');
test(ordered, '1.0~rc1^git1', '<', '1.0');
test(ordered, '1.0^', '>', '1.0');
// Numeric segments beat letter segments; digits compare numerically without overflow.
test(ordered, '2.0.1', '>', '2.0a');
test(ordered, '1.0a', '>', '1.0');
test(ordered, 'a', '<', '1');
test(ordered, 'alpha', '<', 'beta');
test(ordered, 'B', '<', 'a');
test(ordered, '1.010', '=', '1.10');
test(ordered, '1.9', '<', '1.10');
test(ordered, '1.99999999999999999999', '<', '1.100000000000000000000');
// Separators only separate: which one, or how many, does not matter — but leftovers do.
test(ordered, '1.0', '=', '1_0');
test(ordered, '1..0', '=', '1.0');
test(ordered, '1.0', '=', '1.0.');
test(ordered, '1.0', '<', '1.0.0');
test(ordered, '1.0', '<', '1.0a');
// Releases: a missing one compares as empty (rpm.vercmp); dependency matching ignores it.
test(ordered, '1.0-1', '<', '1.0-2');
test(ordered, '1.0-1.el9', '<', '1.0-1.el9_2');
test(ordered, '1.0-10', '>', '1.0-9');
test(ordered, '1.0', '<', '1.0-3');
test(ordered, '1.0', '<', '1.0-');
test(ordered, '1.0', '<', '1.0-~rc1');
test(ordered, '2:1.0-1', '>', '1:9.0-9');
test(ordered, '5.14.0-362.8.1.el9_3', '>', '5.14.0-284.30.1.el9_2');

test('parseRpmEvr splits like rpm', (t) => {
  t.deepEqual(parseRpmEvr('2:1.0-3.el9'), {epoch: '2', version: '1.0', release: '3.el9'});
  t.deepEqual(parseRpmEvr('1.0'), {epoch: undefined, version: '1.0', release: undefined});
  t.deepEqual(parseRpmEvr(':1.0'), {epoch: '0', version: '1.0', release: undefined});
  t.deepEqual(parseRpmEvr('1.0-2-3'), {epoch: undefined, version: '1.0-2', release: '3'});
  t.deepEqual(parseRpmEvr('a:1.0'), {epoch: undefined, version: 'a:1.0', release: undefined});
});

test('compareRpmDependency compares releases only when both sides have one', (t) => {
  t.is(compareRpmDependency('1.0-3.el9', '1.0'), 0);
  t.is(compareRpmDependency('1.0', '1.0-3.el9'), 0);
  t.is(compareRpmDependency('1.0-3.el9', '1.0-4.el9'), -1);
  t.is(compareRpmDependency('1:1.0-3.el9', '1.0'), 1);
  t.is(compareRpmDependency('1.1-1', '1:1.0'), -1);
});

import test from 'ava';
import {compareDpkgVersions, parseDpkgVersion} from '../../src/resources/package/version/index.js';

type Op = '<' | '=' | '>';
const expected: Readonly<Record<Op, -1 | 0 | 1>> = {'<': -1, '=': 0, '>': 1};
const reversed: Readonly<Record<Op, Op>> = {'<': '>', '=': '=', '>': '<'};

const ordered = test.macro({
  exec(t, a: string, op: Op, b: string) {
    t.is(compareDpkgVersions(a, b), expected[op]);
    t.is(compareDpkgVersions(b, a), expected[reversed[op]], 'reversed');
  },
  title: (_provided, a, op, b) => `dpkg: ${a} ${op} ${b}`,
});

// Epochs dominate everything after them.
test(ordered, '1:1.0', '>', '2.0');
test(ordered, '0:1.0', '=', '1.0');
test(ordered, '2:0.1', '>', '1:99');
test(ordered, '10:1', '>', '9:1');
// `~` sorts before everything, even the end of the string (Debian policy's own example).
test(ordered, '1.0~rc1', '<', '1.0');
test(ordered, '1.0~~', '<', '1.0~~a');
test(ordered, '1.0~~a', '<', '1.0~');
test(ordered, '1.0~', '<', '1.0');
test(ordered, '1.0', '<', '1.0a');
test(ordered, '1.0~rc1', '<', '1.0~rc2');
test(ordered, '2.30~rc1-1', '>', '2.29-1');
// Letters sort before other characters; any character sorts after the end of the string.
test(ordered, '1.0a', '<', '1.0+');
test(ordered, '1.0a', '<', '1.0.');
test(ordered, '1.0+deb12u1', '>', '1.0-1');
test(ordered, '1.0+deb12u1', '<', '1.0.1');
test(ordered, '9.2p1-2+deb12u3', '>', '9.2p1-2+deb12u2');
test(ordered, '9.2p1-2+deb12u2', '>', '9.2p1-2');
test(ordered, '1.2.3-1+b1', '>', '1.2.3-1');
test(ordered, '1.2.3-1~bpo12+1', '<', '1.2.3-1');
// Digit runs compare numerically, leading zeros ignored, without overflow.
test(ordered, '1.01', '=', '1.1');
test(ordered, '1.9', '<', '1.10');
test(ordered, '2.30-1', '>', '2.4-1');
test(ordered, '1.99999999999999999999', '<', '1.100000000000000000000');
test(ordered, '1.18446744073709551617', '>', '1.18446744073709551616');
test(ordered, '20240101000000', '<', '20240101000001');
// A missing revision compares like `0`; the revision starts after the last hyphen.
test(ordered, '1.0', '=', '1.0-0');
test(ordered, '1.0-1', '>', '1.0');
test(ordered, '1.2-3-4', '>', '1.2-3-3');
test(ordered, '1.2-3-4', '<', '1.2-4-1');
test(ordered, '1.0-1ubuntu1', '>', '1.0-1');
test(ordered, '1:2.3:4-5', '>', '1:2.3-5');

test('parseDpkgVersion splits epoch, upstream and revision', (t) => {
  t.deepEqual(parseDpkgVersion('1:9.2p1-2+deb12u3'), {
    ok: true,
    value: {epoch: 1, upstream: '9.2p1', revision: '2+deb12u3'},
  });
  t.deepEqual(parseDpkgVersion('2.36'), {ok: true, value: {epoch: 0, upstream: '2.36', revision: ''}});
  t.deepEqual(parseDpkgVersion(' 1.2-3-4\t'), {ok: true, value: {epoch: 0, upstream: '1.2-3', revision: '4'}});
  t.deepEqual(parseDpkgVersion('1:2.3:4-5'), {ok: true, value: {epoch: 1, upstream: '2.3:4', revision: '5'}});
});

const rejected = test.macro({
  exec(t, version: string, fragment: string) {
    const result = parseDpkgVersion(version);
    t.false(result.ok);
    if (!result.ok) t.true(result.error.includes(fragment), result.error);
  },
  title: (_provided, version) => `parseDpkgVersion rejects ${JSON.stringify(version)}`,
});

test(rejected, '', 'empty');
test(rejected, '   ', 'empty');
test(rejected, '1.0 2', 'without blanks');
test(rejected, 'a:1.0', 'epoch');
test(rejected, ':1.0', 'epoch');
test(rejected, '-1:1.0', 'epoch');
test(rejected, '2147483648:1.0', 'at most 2147483647');
test(rejected, '1:', 'after the epoch');
test(rejected, '1.0-', 'revision');
test(rejected, '-1', 'upstream version');
test(rejected, 'v1.0', 'start with a digit');
test(rejected, '1.0_beta', '`_`');
test(rejected, '1:1.0-1:2', 'revision');
test(rejected, '1.0-1_2', 'revision');
test(rejected, '1.0:1', 'epoch');

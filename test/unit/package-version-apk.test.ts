import {readFileSync} from 'node:fs';
import test from 'ava';
import {compareApkVersions, parseApkVersion} from '../../src/resources/package/version/index.js';

type Op = '<' | '=' | '>';
const expected: Readonly<Record<Op, -1 | 0 | 1>> = {'<': -1, '=': 0, '>': 1};
const reversed: Readonly<Record<Op, Op>> = {'<': '>', '=': '=', '>': '<'};

// The real `apk` is not available on the (Debian) machines that run these tests, so apk-tools' own test data,
// recorded in this fixture, is the oracle.
const fixture = readFileSync(new URL('../../../fixtures/package-version/apk-cases.txt', import.meta.url), 'utf8');
const rows = fixture
  .split('\n')
  .map((line) => line.replace(/#.*$/, ''))
  .filter((line) => line.trim() !== '')
  .map((line) => line.split('\t'));
const comparisons = rows.filter((r) => r.length === 3) as Array<[string, Op, string]>;
const validity = rows.filter((r) => r.length === 2) as Array<['valid' | 'invalid', string]>;

test('the apk fixture holds at least 100 comparisons and only known operators', (t) => {
  t.true(comparisons.length >= 100, `${comparisons.length} comparisons`);
  t.true(comparisons.every(([, op]) => op in expected));
  t.true(validity.every(([kind]) => kind === 'valid' || kind === 'invalid'));
});

test('compareApkVersions agrees with every comparison in the apk fixture', (t) => {
  const wrong = comparisons.filter(
    ([a, op, b]) => compareApkVersions(a, b) !== expected[op] || compareApkVersions(b, a) !== expected[reversed[op]],
  );
  t.deepEqual(wrong, []);
});

test('parseApkVersion agrees with every validity case in the apk fixture', (t) => {
  const wrong = validity.filter(([kind, v]) => parseApkVersion(v).ok !== (kind === 'valid'));
  t.deepEqual(wrong, []);
});

const ordered = test.macro({
  exec(t, a: string, op: Op, b: string) {
    t.is(compareApkVersions(a, b), expected[op]);
    t.is(compareApkVersions(b, a), expected[reversed[op]], 'reversed');
  },
  title: (_provided, a, op, b) => `apk: ${a} ${op} ${b}`,
});

test(ordered, '1.2.3_rc1-r0', '<', '1.2.3-r0');
test(ordered, '1.2.3_p1-r0', '>', '1.2.3-r5');
test(ordered, '1.2.3', '<', '1.2.3-r0');
test(ordered, '1.2.3-r9', '<', '1.2.3-r10');
test(ordered, '1.02', '<', '1.1');
test(ordered, '1.0.0_pre20191002222144', '<', '1.0.0_pre20210530193627');
test(ordered, '99999999999999999999', '>', '99999999999999999998');

test('parseApkVersion splits upstream, hash and revision', (t) => {
  t.deepEqual(parseApkVersion('1.2.3_rc1~abc1-r4'), {
    ok: true,
    value: {upstream: '1.2.3_rc1', commitHash: 'abc1', revision: '4'},
  });
  t.deepEqual(parseApkVersion('3.18.4'), {
    ok: true,
    value: {upstream: '3.18.4', commitHash: undefined, revision: undefined},
  });
});

test('parseApkVersion names the first offending character', (t) => {
  const result = parseApkVersion('1.2.3-beta');
  t.false(result.ok);
  if (!result.ok) t.true(result.error.includes('`-` at offset 5'), result.error);
  const empty = parseApkVersion('');
  t.false(empty.ok);
  if (!empty.ok) t.true(empty.error.includes('its end'), empty.error);
});

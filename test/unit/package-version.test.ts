import test from 'ava';
import fc from 'fast-check';
import {
  compareVersions,
  parseApkVersion,
  parseConstraint,
  parseDpkgVersion,
  satisfies,
  type PackageManagerName,
  type VersionConstraint,
} from '../../src/resources/package/version/index.js';

test('compareVersions dispatches to each manager’s rules', (t) => {
  t.is(compareVersions('apt', '1.0', '1.0.0'), -1);
  t.is(compareVersions('apt', '1.0-1', '1.0'), 1);
  t.is(compareVersions('dnf', '1.0-1', '1.0'), 1);
  t.is(compareVersions('dnf', '1.0+', '1.0'), 0);
  t.is(compareVersions('apt', '1.0+', '1.0'), 1);
  t.is(compareVersions('apk', '1.0-r1', '1.0'), 1);
  t.is(compareVersions('apt', '1.0~rc1', '1.0'), -1);
  t.is(compareVersions('dnf', '1.0^1', '1.0'), 1);
  t.is(compareVersions('apk', '1.0_rc1', '1.0'), -1);
});

const constraintCases: Array<[string, VersionConstraint]> = [
  ['*', {kind: 'any'}],
  [' latest ', {kind: 'latest'}],
  ['1.2.3-1', {kind: 'exact', version: '1.2.3-1'}],
  ['1:2.0', {kind: 'exact', version: '1:2.0'}],
  ['>= 1.2', {kind: 'atLeast', version: '1.2'}],
  ['>=1.2~rc1', {kind: 'atLeast', version: '1.2~rc1'}],
];

for (const [text, constraint] of constraintCases) {
  test(`parseConstraint reads ${JSON.stringify(text)}`, (t) => {
    t.deepEqual(parseConstraint(text), {ok: true, value: constraint});
  });
}

for (const text of ['', '  ', '>=', '>= ', '> 1.0', '<= 1.0', '= 1.0', '>= >= 1', '~1.0', '1.0 2.0', '>= 1 2']) {
  test(`parseConstraint rejects ${JSON.stringify(text)}`, (t) => {
    const result = parseConstraint(text);
    t.false(result.ok);
    if (!result.ok) t.regex(result.error, /^Expected a version constraint/);
  });
}

const satisfiesCases: Array<[PackageManagerName, string | undefined, string, boolean]> = [
  ['apt', undefined, '*', false],
  ['apt', undefined, 'latest', false],
  ['apt', '1.0-1', '*', true],
  ['apt', '1.0-1', 'latest', true],
  ['apt', '1.0-1', '1.0-1', true],
  ['apt', '1.0-1', '0:1.0-1', true],
  ['apt', '1.0-1', '1.0', false],
  ['apt', '1.01-1', '1.1-1', true],
  ['apt', '1:1.0', '>= 2.0', true],
  ['apt', '1.0~rc1', '>= 1.0', false],
  ['apt', '9.2p1-2+deb12u3', '>= 9.2p1-2+deb12u2', true],
  ['dnf', '1.0-3.el9', '1.0', true],
  ['dnf', '1.0-3.el9', '1.0-4.el9', false],
  ['dnf', '1.0^git1-1', '>= 1.0', true],
  ['dnf', '1.0~rc1-1', '>= 1.0', false],
  ['apk', '1.2.3-r0', '1.2.3-r0', true],
  ['apk', '1.2.3_rc1-r0', '>= 1.2.3-r0', false],
  ['apk', '1.2.3-r1', '>= 1.2.3-r0', true],
];

for (const [manager, installed, text, want] of satisfiesCases) {
  test(`satisfies(${manager}, ${installed ?? 'not installed'}, ${JSON.stringify(text)}) is ${want}`, (t) => {
    const constraint = parseConstraint(text);
    if (!constraint.ok) return t.fail(constraint.error);
    t.is(satisfies(manager, installed, constraint.value), want);
  });
}

// Property tests. Versions come from small pools of pieces so that generated versions often share prefixes and
// differ in the places where the rules are subtle.
const pick = (...xs: string[]) => fc.constantFrom(...xs);
const joined = (parts: fc.Arbitrary<string>[]) => fc.tuple(...parts).map((xs) => xs.join(''));
const pieces = (arb: fc.Arbitrary<string>, maxLength: number) => fc.array(arb, {maxLength}).map((xs) => xs.join(''));

const dpkgVersion = joined([
  pick('', '', '0:', '1:', '2:'),
  pick('0', '1', '2', '10', '01'),
  pieces(pick('.', '.0', '.1', '.10', '.01', 'a', 'b', 'p1', '~', '~rc1', '~~', '+', '+b1', '+deb12u1', 'z'), 3),
  pick('', '', '-0', '-1', '-2', '-1ubuntu1', '-1+b1', '-1~bpo12+1', '-10', '-0.1'),
]);

const rpmUpstream = joined([
  pick('0', '1', '2', '10', '01', 'a'),
  pieces(pick('.', '.0', '.1', '.10', '.01', 'a', 'b', '.rc1', '~', '~rc1', '^', '^git1', '_', '+', 'z', 'Z'), 3),
]);
const rpmVersion = joined([
  pick('', '', '0:', '1:', '2:'),
  rpmUpstream,
  pick('', '', '-1', '-2', '-1.el9', '-1.el9_2', '-10', '-0.1', '-1~rc1'),
]);

const apkVersion = joined([
  pick('0', '1', '2', '10', '01'),
  pieces(pick('.0', '.1', '.2', '.10', '.01', '.002'), 3),
  pick('', '', 'a', 'b', 'z'),
  pieces(pick('_alpha', '_beta', '_pre', '_rc', '_rc1', '_rc10', '_cvs', '_svn', '_git', '_hg', '_p', '_p2'), 2),
  pick('', '', '~ab', '~12', '~abc'),
  pick('', '', '-r0', '-r1', '-r10'),
]);

const families: Array<[string, PackageManagerName, fc.Arbitrary<string>]> = [
  ['apt', 'apt', dpkgVersion],
  ['dnf', 'dnf', rpmVersion],
  ['apk', 'apk', apkVersion],
];

for (const [label, manager, version] of families) {
  const cmp = (a: string, b: string) => compareVersions(manager, a, b);

  test(`${label}: comparison is reflexive`, (t) => {
    fc.assert(
      fc.property(version, (a) => cmp(a, a) === 0),
      {numRuns: 500},
    );
    t.pass();
  });

  test(`${label}: comparison is antisymmetric`, (t) => {
    fc.assert(
      fc.property(version, version, (a, b) => cmp(a, b) === -cmp(b, a)),
      {numRuns: 2000},
    );
    t.pass();
  });

  test(`${label}: comparison is transitive on generated triples`, (t) => {
    fc.assert(
      fc.property(version, version, version, (a, b, c) => {
        const [x, y, z] = [a, b, c].sort(cmp);
        // After sorting, x <= y <= z must imply x <= z, and equality must carry over.
        const xy = cmp(x!, y!);
        const yz = cmp(y!, z!);
        const xz = cmp(x!, z!);
        return xy <= 0 && yz <= 0 && xz <= 0 && (xy === 0 && yz === 0 ? xz === 0 : xz === -1);
      }),
      {numRuns: 3000},
    );
    t.pass();
  });

  test(`${label}: sorting a generated list yields a consistent order`, (t) => {
    fc.assert(
      fc.property(fc.array(version, {minLength: 2, maxLength: 30}), (list) => {
        const sorted = [...list].sort(cmp);
        return sorted.every((a, i) => sorted.slice(i + 1).every((b) => cmp(a, b) <= 0));
      }),
      {numRuns: 300},
    );
    t.pass();
  });
}

test('generated apt and apk versions are valid for their parsers', (t) => {
  fc.assert(
    fc.property(dpkgVersion, (v) => parseDpkgVersion(v).ok),
    {numRuns: 500},
  );
  fc.assert(
    fc.property(apkVersion, (v) => parseApkVersion(v).ok),
    {numRuns: 500},
  );
  t.pass();
});

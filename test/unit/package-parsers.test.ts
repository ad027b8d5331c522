import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import test from 'ava';
import {
  parseApkDelSimulation,
  parseApkInfo,
  parseApkPolicy,
  parseApkWhoOwns,
  splitApkNameVersion,
} from '../../src/resources/package/apk/apk-info.js';
import {parseAptCachePolicy, parseAptSimulation} from '../../src/resources/package/apt/apt-cache-policy.js';
import {parseDpkgQuery, parseDpkgSearch} from '../../src/resources/package/apt/dpkg-query.js';
import {parseDnfRemoval, parseDnfRepoquery} from '../../src/resources/package/dnf/dnf-repoquery.js';
import {parseRpmOwners, parseRpmQuery} from '../../src/resources/package/dnf/rpm-query.js';
import {osReleaseIds} from '../../src/resources/package/detect.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../../../fixtures/packages');
const recorded = (name: string) => readFileSync(join(fixtures, name), 'utf8');

test('dpkg-query: recorded output parses into installed packages', (t) => {
  const rows = parseDpkgQuery(recorded('dpkg-query.txt'));
  t.true(rows.length >= 30);
  t.true(rows.every((r) => r.state === 'installed' && !r.held && r.version !== ''));
});

test('dpkg-query: held, config-files, half-installed, reinstall-required and not-installed rows', (t) => {
  const rows = parseDpkgQuery(
    [
      'held\t1.0\thi ',
      'gone\t2.0\trc ',
      'half\t3.0\tiU ',
      'failed\t3.1\tiF ',
      'reinst\t4.0\tiiR',
      'never\t\tun ',
      'garbage line',
    ].join('\n') + '\n',
  );
  t.deepEqual(
    rows.map((r) => [r.name, r.version, r.state, r.held]),
    [
      ['held', '1.0', 'installed', true],
      ['gone', '2.0', 'config-files', false],
      ['half', '3.0', 'broken', false],
      ['failed', '3.1', 'broken', false],
      ['reinst', '4.0', 'broken', false],
    ],
  );
});

test('dpkg-query -S: owners, several owners, diversions', (t) => {
  const owners = parseDpkgSearch(
    'openssh-server: /lib/systemd/system/ssh.service\nlibfoo:amd64, libfoo:i386: /usr/lib/x\ndiversion by a from: /etc/x\n',
  );
  t.deepEqual(
    [...owners],
    [
      ['/lib/systemd/system/ssh.service', 'openssh-server'],
      ['/usr/lib/x', 'libfoo'],
    ],
  );
});

test('apt-cache policy: recorded output gives candidates and the versions on offer', (t) => {
  const offers = parseAptCachePolicy(recorded('apt-cache-policy.txt'));
  t.deepEqual(offers.get('openssh-server'), {
    versions: ['1:9.2p1-2+deb12u10', '1:9.2p1-2+deb12u9', '1:9.2p1-2+deb12u7'],
    candidate: '1:9.2p1-2+deb12u10',
  });
  t.deepEqual(offers.get('libc6')?.versions, ['2.36-9+deb12u14', '2.36-9+deb12u7']);
  t.deepEqual(offers.get('mail-transport-agent'), {versions: []}, 'a virtual package is known but offers nothing');
  t.false(offers.has('nosuchpkg-cosi'), 'apt prints nothing for unknown names');
});

test('apt-cache policy: a version only in dpkg status is installed, not on offer', (t) => {
  const text =
    'local:\n  Installed: 9.9\n  Candidate: 9.9\n  Version table:\n *** 9.9 100\n        100 /var/lib/dpkg/status\n     1.0 500\n        500 file:/srv/repo ./ Packages\n';
  t.deepEqual(parseAptCachePolicy(text).get('local'), {versions: ['1.0'], candidate: '9.9'});
});

test('apt-get -s: removals', (t) => {
  t.deepEqual(parseAptSimulation('Reading package lists...\nRemv b [1.0]\nRemv a:amd64 [2.0]\nInst c (1 x)\n'), [
    'b',
    'a',
  ]);
});

test('rpm -qa: recorded output; epochs; the highest of several installed; gpg-pubkey skipped', (t) => {
  t.deepEqual(
    parseRpmQuery(recorded('rpm-qa.txt')).map((p) => [p.name, p.version]),
    [['cosi-hello', '1.0-1']],
  );
  const rows = parseRpmQuery(
    'kernel\t5.14.0-1.el9\nkernel\t5.14.0-3.el9\nkernel\t5.14.0-2.el9\nshadow-utils\t2:4.9-8.el9\ngpg-pubkey\tfd431d51-4ae0493b\n',
  );
  t.deepEqual(
    rows.map((p) => [p.name, p.version]),
    [
      ['kernel', '5.14.0-3.el9'],
      ['shadow-utils', '2:4.9-8.el9'],
    ],
  );
});

test('dnf repoquery: recorded output (blank lines between rows), newest first', (t) => {
  t.deepEqual(parseDnfRepoquery(recorded('dnf-repoquery.txt')).get('cosi-hello'), {
    versions: ['2.0-1', '1.0-1'],
    candidate: '2.0-1',
  });
  t.deepEqual(parseDnfRepoquery('a\t1:1.0-1\na\t2.0-1\n').get('a')?.versions, ['1:1.0-1', '2.0-1'], 'the epoch wins');
});

test('dnf remove --assumeno: recorded transaction table, dependents included', (t) => {
  t.deepEqual(parseDnfRemoval(recorded('dnf-remove-assumeno.txt')), ['cosi-hello']);
  const table =
    'Removing:\n a   noarch  1.0-1  @local  4\nRemoving dependent packages:\n b   noarch  1.0-1  @local  4\n\nTransaction Summary\n';
  t.deepEqual(parseDnfRemoval(table), ['a', 'b']);
});

test('rpm -qf: owners in the order of the paths', (t) => {
  const owners = parseRpmOwners('containerd\nfile /etc/x is not owned by any package\n', [
    '/usr/lib/systemd/system/containerd.service',
    '/etc/x',
  ]);
  t.deepEqual([...owners], [['/usr/lib/systemd/system/containerd.service', 'containerd']]);
});

test('apk: names with dashes and digits split at the version', (t) => {
  t.deepEqual(splitApkNameVersion('py3-setuptools-68.2.2-r0'), {name: 'py3-setuptools', version: '68.2.2-r0'});
  t.deepEqual(splitApkNameVersion('so:libc.musl-x86_64.so.1-1-r0'), {
    name: 'so:libc.musl-x86_64.so.1',
    version: '1-r0',
  });
  t.is(splitApkNameVersion('no-version'), undefined);
});

test('apk info -v, apk policy, --who-owns, del -s (formats of apk-tools 2.14)', (t) => {
  const installed = parseApkInfo(recorded('apk-info-v.txt'));
  t.is(installed.length, 10);
  t.deepEqual(
    installed.find((p) => p.name === 'musl'),
    {name: 'musl', version: '1.2.4_git20230717-r4', state: 'installed', held: false},
  );
  const offers = parseApkPolicy(recorded('apk-policy.txt'));
  t.deepEqual(offers.get('busybox'), {versions: ['1.36.1-r15', '1.36.1-r14'], candidate: '1.36.1-r15'});
  t.deepEqual(
    offers.get('openssh-server'),
    {versions: ['9.6_p1-r1', '9.5_p1-r0'], candidate: '9.6_p1-r1'},
    'tagged repositories count; the installed copy does not',
  );
  t.deepEqual(offers.get('local-only'), {versions: []});
  t.deepEqual(
    [...parseApkWhoOwns(recorded('apk-who-owns.txt'))],
    [
      ['/usr/sbin/sshd', 'openssh-server'],
      ['/etc/init.d/sshd', 'openssh-server-openrc'],
    ],
  );
  t.deepEqual(parseApkDelSimulation(recorded('apk-del-s.txt')), ['openssh-server', 'openssh-server-common']);
});

test('os-release IDs: ID then ID_LIKE', (t) => {
  t.deepEqual(osReleaseIds('ID="rocky"\nID_LIKE="rhel centos fedora"\n'), ['rocky', 'rhel', 'centos', 'fedora']);
  t.deepEqual(osReleaseIds('ID=ubuntu\nID_LIKE=debian\n'), ['ubuntu', 'debian']);
});

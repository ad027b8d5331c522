import test from 'ava';
import {apkBackend} from '../../src/resources/package/apk/apk-backend.js';
import {aptBackend} from '../../src/resources/package/apt/apt-backend.js';
import {dnfBackend} from '../../src/resources/package/dnf/dnf-backend.js';

const options = {lockTimeoutSeconds: 30};
const items = [
  {name: 'curl', version: '8.0-1'},
  {name: 'shadow', version: '2:4.9-8'},
];

test('apt: one non-interactive transaction, exact versions, downgrades allowed, nothing removed, bounded lock wait', (t) => {
  const request = aptBackend.installTransaction(items, options);
  t.deepEqual(request.argv.slice(0, 6), [
    'apt-get',
    'install',
    '-y',
    '--no-install-recommends',
    '--allow-downgrades',
    '--no-remove',
  ]);
  t.true(request.argv.includes('DPkg::Lock::Timeout=30'));
  t.deepEqual(request.argv.slice(-2), ['curl=8.0-1', 'shadow=2:4.9-8']);
  t.is(request.env?.DEBIAN_FRONTEND, 'noninteractive');
  t.deepEqual(aptBackend.offersQuery(['a', 'b']).argv, ['apt-cache', 'policy', 'a', 'b']);
});

test('dnf and apk: NEVRA and NAME=VERSION arguments', (t) => {
  t.deepEqual(dnfBackend.installTransaction(items, options).argv.slice(-2), ['curl-8.0-1', 'shadow-2:4.9-8']);
  t.deepEqual(dnfBackend.removeTransaction(['a'], options).argv, ['dnf', 'remove', '-y', '--noautoremove', 'a']);
  t.deepEqual(apkBackend.installTransaction(items, options).argv, [
    'apk',
    'add',
    '--wait',
    '30',
    'curl=8.0-1',
    'shadow=2:4.9-8',
  ]);
});

test('lock problems are recognized and said plainly', (t) => {
  const result = {
    exitCode: 100,
    timedOut: false,
    started: true,
    stdout: '',
    stderr: 'E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 1234 (apt-get)\n',
  };
  t.regex(
    aptBackend.lockProblem(result, options) ?? '',
    /another process held dpkg's lock \(\/var\/lib\/dpkg\/lock-frontend\) for more than 30 s/,
  );
  t.is(aptBackend.lockProblem({...result, stderr: 'E: Unable to locate package x'}, options), undefined);
  t.regex(
    apkBackend.lockProblem({...result, stderr: 'ERROR: Unable to lock database: temporarily unavailable'}, options) ??
      '',
    /another apk process/,
  );
});

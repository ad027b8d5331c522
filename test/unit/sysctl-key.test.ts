import test from 'ava';
import {parseSysctlKey} from '../../src/names/sysctl-key.js';
import {foldValue} from '../../src/resources/sysctl/key.js';
import {globMatches, parseSysctlFile, renderCosiSysctlFile} from '../../src/resources/sysctl/sysctl-d.js';

const keyCases: Array<[string, string, string, string]> = [
  ['net.ipv4.ip_forward', 'net.ipv4.ip_forward', '/proc/sys/net/ipv4/ip_forward', 'net.ipv4.ip_forward'],
  ['net/ipv4/ip_forward', 'net.ipv4.ip_forward', '/proc/sys/net/ipv4/ip_forward', 'net.ipv4.ip_forward'],
  [
    'net/ipv6/conf/eth0.100/disable_ipv6',
    'net.ipv6.conf.eth0/100.disable_ipv6',
    '/proc/sys/net/ipv6/conf/eth0.100/disable_ipv6',
    'net/ipv6/conf/eth0.100/disable_ipv6',
  ],
  [
    'net.ipv6.conf.eth0/100.disable_ipv6',
    'net.ipv6.conf.eth0/100.disable_ipv6',
    '/proc/sys/net/ipv6/conf/eth0.100/disable_ipv6',
    'net/ipv6/conf/eth0.100/disable_ipv6',
  ],
  ['vm.swappiness', 'vm.swappiness', '/proc/sys/vm/swappiness', 'vm.swappiness'],
];

for (const [text, name, procPath, fileForm] of keyCases) {
  test(`parseSysctlKey ${text}`, (t) => {
    const key = parseSysctlKey(text);
    t.is(key?.name, name);
    t.is(key?.procPath, procPath);
    t.is(key?.fileForm, fileForm);
  });
}

test('parseSysctlKey refuses empty and dot-dot components', (t) => {
  for (const bad of ['net..ipv4', 'net/../etc', '.net', 'net.', '']) t.is(parseSysctlKey(bad), undefined, bad);
});

test('foldValue folds runs of white space', (t) => {
  t.is(foldValue('1024\t65535\n'), '1024 65535');
  t.is(foldValue('  1024   65535 '), '1024 65535');
  t.is(foldValue(1), '1');
});

test('parseSysctlFile reads comments, the ignore-failure dash, both forms and globs', (t) => {
  const parsed = parseSysctlFile(
    '# c\n; c\n\n-net.ipv4.ip_forward = 1\nnet/ipv6/conf/eth0.100/disable_ipv6=1\nnet.ipv4.conf.*.rp_filter = 2\nnonsense\n',
  );
  t.deepEqual(parsed, [
    {key: 'net.ipv4.ip_forward', value: '1', glob: false, line: 4},
    {key: 'net.ipv6.conf.eth0/100.disable_ipv6', value: '1', glob: false, line: 5},
    {key: 'net.ipv4.conf.*.rp_filter', value: '2', glob: true, line: 6},
  ]);
});

test('globMatches matches one component per star', (t) => {
  t.true(globMatches('net.ipv4.conf.*.rp_filter', 'net.ipv4.conf.eth0.rp_filter'));
  t.false(globMatches('net.ipv4.conf.*.rp_filter', 'net.ipv4.conf.eth0.x.rp_filter'));
  t.true(globMatches('net/ipv4/conf/*/rp_filter', 'net.ipv4.conf.all.rp_filter'));
});

test('renderCosiSysctlFile is sorted and stable', (t) => {
  const text = renderCosiSysctlFile(
    new Map([
      ['vm.swappiness', '10'],
      ['net.ipv4.ip_forward', '1'],
    ]),
  );
  t.regex(text, /^# Managed by cosi/);
  t.true(text.indexOf('net.ipv4.ip_forward = 1') < text.indexOf('vm.swappiness = 10'));
});

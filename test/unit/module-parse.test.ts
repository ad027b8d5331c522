// Pure parts of the kernel-module provider: the formats of /proc/modules, modules.dep, modules.alias, modprobe.d,
// modules-load.d, the kernel command line and .config, and the boot-time precedence between files.
import test from 'ava';
import {bootModule} from '../../src/resources/module/boot-view.js';
import {expectedModprobeLines, sysctlPrefixes} from '../../src/resources/module/cosi-lines.js';
import {parseKconfig} from '../../src/resources/module/kconfig.js';
import {parseModuleCmdline} from '../../src/resources/module/kernel-cmdline.js';
import {moduleNameFromPath} from '../../src/resources/module/module-name.js';
import {
  parseModprobeFile,
  parseOptions,
  renderCosiModprobeFile,
  renderOption,
} from '../../src/resources/module/modprobe-d.js';
import {
  aliasTargets,
  parseModulesAlias,
  parseModulesBuiltin,
  parseModulesDep,
} from '../../src/resources/module/modules-dep.js';
import {
  orderConfigFiles,
  parseModulesLoadFile,
  renderCosiModulesLoadFile,
} from '../../src/resources/module/modules-load-d.js';
import {sameParameterValue, unsafeParameterValue} from '../../src/resources/module/parameter-value.js';
import {inUse, parseProcModules} from '../../src/resources/module/proc-modules.js';
import {desiredFrom} from '../lib/document.js';

test('/proc/modules: refcount, holders, unloadable kernels and odd lines', (t) => {
  const modules = parseProcModules(
    [
      'x_tables 61440 1 ip_tables, Live 0x0000000000000000',
      'libata 409600 2 ata_piix,ata_generic, Live 0x0000000000000000',
      'floppy 86016 0 - Live 0x0000000000000000',
      'nf-odd 16384 - - Live 0x0000000000000000',
      'kvm 1142784 -2 - Loading 0x0000000000000000',
      'garbage',
      '',
    ].join('\n'),
  );
  t.deepEqual(modules.get('x_tables'), {name: 'x_tables', refcount: 1, holders: ['ip_tables'], state: 'Live'});
  t.deepEqual(modules.get('libata')?.holders, ['ata_piix', 'ata_generic']);
  t.false(inUse(modules.get('floppy')!));
  t.true(inUse(modules.get('x_tables')!));
  t.is(modules.get('nf_odd')?.refcount, null, 'names are canonical; `-` means the kernel cannot unload');
  t.true(inUse(modules.get('nf_odd')!));
  t.true(inUse(modules.get('kvm')!), 'a module still loading (negative count) cannot be unloaded');
  t.is(modules.size, 5);
});

test('module file names: compressed, dashed, and not modules', (t) => {
  t.is(moduleNameFromPath('kernel/net/bridge/br_netfilter.ko'), 'br_netfilter');
  t.is(moduleNameFromPath('kernel/arch/x86/crypto/crc32c-intel.ko.xz'), 'crc32c_intel');
  t.is(moduleNameFromPath('/lib/modules/6.8/kernel/fs/overlayfs/overlay.ko.zst'), 'overlay');
  t.is(moduleNameFromPath('kernel/fs/ext4/ext4.ko.gz'), 'ext4');
  t.is(moduleNameFromPath('modules.order'), undefined);
});

test('modules.dep, modules.builtin and modules.alias', (t) => {
  const dep = parseModulesDep(
    'kernel/net/bridge/br_netfilter.ko.xz: kernel/net/bridge/bridge.ko.xz kernel/net/802/stp.ko.xz\nkernel/fs/overlayfs/overlay.ko.xz:\n\n',
  );
  t.deepEqual(dep.get('br_netfilter'), ['bridge', 'stp']);
  t.deepEqual(dep.get('overlay'), []);
  t.deepEqual([...parseModulesBuiltin('kernel/net/ipv6/ipv6.ko\nkernel/mm/zswap.ko\n')], ['ipv6', 'zswap']);
  const aliases = parseModulesAlias(
    '# comment\nalias ip_conntrack nf_conntrack\nalias crc32c crc32c_intel\nalias crc32c crc32c_generic\nalias block-major-2-* floppy\nalias acpi*:PNP0700:* floppy\n',
  );
  t.deepEqual(aliasTargets(aliases, 'ip_conntrack'), ['nf_conntrack']);
  t.deepEqual(aliasTargets(aliases, 'ip-conntrack'), ['nf_conntrack'], '- and _ fold in aliases too');
  t.deepEqual(aliasTargets(aliases, 'crc32c'), ['crc32c_generic', 'crc32c_intel']);
  t.deepEqual(aliasTargets(aliases, 'block-major-2-0'), ['floppy']);
  t.deepEqual(aliasTargets(aliases, 'acpi:PNP0700:'), ['floppy']);
  t.deepEqual(aliasTargets(aliases, 'nothing'), []);
});

test('modprobe.d: commands, continuation lines, comments, canonical names', (t) => {
  const directives = parseModprobeFile(
    [
      '# a comment',
      'options nf-conntrack hashsize=131072 \\',
      '  expect_hashsize=512',
      'blacklist floppy',
      'install floppy /bin/false',
      'softdep uhci-hcd pre: ehci-hcd',
      'alias my-net virtio_net',
      'unknowncommand foo bar',
      'remove br_netfilter /sbin/modprobe -r --ignore-remove br_netfilter',
      '   ',
    ].join('\n'),
  );
  t.deepEqual(
    directives.map((d) => [d.command, d.module, d.args, d.line]),
    [
      ['options', 'nf_conntrack', 'hashsize=131072    expect_hashsize=512', 2],
      ['blacklist', 'floppy', '', 4],
      ['install', 'floppy', '/bin/false', 5],
      ['softdep', 'uhci_hcd', 'pre: ehci-hcd', 6],
      ['alias', 'virtio_net', 'my-net', 7],
      ['remove', 'br_netfilter', '/sbin/modprobe -r --ignore-remove br_netfilter', 9],
    ],
  );
});

test('options: name=value pairs, quoted values, bare booleans, dashes folded', (t) => {
  t.deepEqual(parseOptions('hashsize=131072 enable-x msg="hello world" flag=N'), [
    ['hashsize', '131072'],
    ['enable_x', 'Y'],
    ['msg', 'hello world'],
    ['flag', 'N'],
  ]);
  t.is(renderOption('msg', 'hello world'), 'msg="hello world"');
  t.is(renderOption('hashsize', '131072'), 'hashsize=131072');
});

test('modules-load.d: names, comments, parameters after the name, order and shadowing', (t) => {
  t.deepEqual(parseModulesLoadFile('# c\n; c\nbr-netfilter\n\noverlay foo=1\n'), [
    {module: 'br_netfilter', line: 3},
    {module: 'overlay', line: 5},
  ]);
  t.deepEqual(
    orderConfigFiles([
      {dir: '/etc/modules-load.d', names: ['k8s.conf', 'modules.conf', 'README']},
      {dir: '/run/modules-load.d', names: ['a.conf']},
      {dir: '/usr/lib/modules-load.d', names: ['k8s.conf', 'z.conf']},
    ]),
    [
      '/run/modules-load.d/a.conf',
      '/etc/modules-load.d/k8s.conf',
      '/etc/modules-load.d/modules.conf',
      '/usr/lib/modules-load.d/z.conf',
    ],
  );
  t.is(renderCosiModulesLoadFile(new Set()), undefined);
  t.regex(
    renderCosiModulesLoadFile(new Set(['overlay', 'br_netfilter']))!,
    /^# Managed by cosi.*\nbr_netfilter\noverlay\n$/,
  );
  t.is(renderCosiModprobeFile(new Map([['a', []]])), undefined);
});

test('kernel command line: modules-load, blacklists, module parameters, quoting', (t) => {
  const cmdline = parseModuleCmdline(
    'root=/dev/vda rw modules-load=br-netfilter,overlay modprobe.blacklist=floppy module_blacklist=pcspkr nf_conntrack.hashsize=262144 msg.text="a b" rd.luks.uuid=x systemd.unit=multi-user.target',
  );
  t.deepEqual(cmdline.load, ['br_netfilter', 'overlay']);
  t.deepEqual(cmdline.blacklist, ['floppy', 'pcspkr']);
  t.deepEqual(cmdline.options, [
    {module: 'nf_conntrack', parameter: 'hashsize', value: '262144'},
    {module: 'msg', parameter: 'text', value: 'a b'},
  ]);
});

test('kernel config: built in, modular, not set', (t) => {
  const config = parseKconfig(
    'CONFIG_BRIDGE=y\nCONFIG_BRIDGE_NETFILTER=m\n# CONFIG_IP_VS is not set\nCONFIG_LOCALVERSION="x"\n',
  );
  t.is(config.get('CONFIG_BRIDGE'), 'y');
  t.is(config.get('CONFIG_BRIDGE_NETFILTER'), 'm');
  t.is(config.get('CONFIG_IP_VS'), 'n');
  t.false(config.has('CONFIG_LOCALVERSION'));
});

test('parameter values: booleans as the kernel prints them; unsafe values', (t) => {
  t.true(sameParameterValue('Y', 'Y'));
  t.true(sameParameterValue('Y', '1'));
  t.true(sameParameterValue('N', 'false'));
  t.false(sameParameterValue('N', 'Y'));
  t.true(sameParameterValue('131072\n', '131072'));
  t.false(sameParameterValue('65536', '131072'));
  t.truthy(unsafeParameterValue('a"b'));
  t.truthy(unsafeParameterValue('a\\b'));
  t.is(unsafeParameterValue('a b'), undefined);
});

test("cosi's modprobe.d lines: options sorted, blacklist + install /bin/false, sysctl re-apply hook", (t) => {
  const desired = desiredFrom({
    modules: {
      br_netfilter: {},
      nf_conntrack: {parameters: {hashsize: 131072, acct: true}},
      floppy: {state: 'blocked'},
      overlay: {},
    },
    sysctls: {'net.bridge.bridge-nf-call-iptables': 1, 'net.netfilter.nf_conntrack_max': 262144},
  });
  const lines = (name: string) => expectedModprobeLines(desired.modules.get(name)!, desired.sysctls);
  t.deepEqual(lines('floppy'), ['blacklist floppy', 'install floppy /bin/false']);
  t.deepEqual(lines('overlay'), []);
  t.deepEqual(lines('br_netfilter'), [
    'install br_netfilter /sbin/modprobe --ignore-install br_netfilter $CMDLINE_OPTS && { /lib/systemd/systemd-sysctl --prefix=/net/bridge || :; }',
  ]);
  t.deepEqual(lines('nf_conntrack'), [
    'options nf_conntrack acct=Y hashsize=131072',
    'install nf_conntrack /sbin/modprobe --ignore-install nf_conntrack $CMDLINE_OPTS && { /lib/systemd/systemd-sysctl --prefix=/net/netfilter || :; }',
  ]);
  t.deepEqual(sysctlPrefixes('ip_vs', desiredFrom({sysctls: {'net.ipv4.vs.conntrack': 1}}).sysctls), ['/net/ipv4/vs']);
  t.deepEqual(
    sysctlPrefixes('br_netfilter', desiredFrom({sysctls: {'net.ipv4.ip_forward': 1}}).sysctls),
    [],
    'no hook without a sysctl it provides',
  );
});

test('boot view: options concatenate and the last wins, the command line last; the first install wins; every blacklist counts', (t) => {
  const file = (path: string, text: string) => ({path, directives: parseModprobeFile(text)});
  const boot = bootModule({
    module: 'nf_conntrack',
    loadFiles: [{path: '/etc/modules-load.d/cosi.conf', entries: [{module: 'nf_conntrack', line: 2}]}],
    probeFiles: [
      file(
        '/etc/modprobe.d/a.conf',
        'options nf_conntrack hashsize=1 expect_hashsize=7\ninstall nf_conntrack /bin/true\n',
      ),
      file('/etc/modprobe.d/cosi.conf', 'options nf_conntrack hashsize=2\ninstall nf_conntrack /bin/false\n'),
      file('/lib/modprobe.d/z.conf', 'options nf_conntrack hashsize=3\nblacklist nf_conntrack\n'),
    ],
    cmdline: parseModuleCmdline(
      'nf_conntrack.expect_hashsize=9 modprobe.blacklist=nf_conntrack modules-load=nf_conntrack',
    ),
  });
  t.deepEqual(boot.parameters.hashsize, {file: '/lib/modprobe.d/z.conf', line: 1, value: '3'});
  t.deepEqual(boot.parameters.expect_hashsize, {file: '/proc/cmdline', line: 1, value: '9'});
  t.deepEqual(boot.install, {file: '/etc/modprobe.d/a.conf', line: 2, command: '/bin/true'});
  t.deepEqual(
    boot.blacklistedBy.map((p) => p.file),
    ['/lib/modprobe.d/z.conf', '/proc/cmdline'],
  );
  t.deepEqual(
    boot.loadedBy.map((p) => p.file),
    ['/etc/modules-load.d/cosi.conf', '/proc/cmdline'],
  );
});

import test from 'ava';
import {parse} from 'yaml';
import {cloudConfig, firstBootInstaller, firstBootUnit, parseInstallSource} from '../../src/boot/cloud-config.js';

const document = 'apiVersion: cosi.dev/v1alpha1\nkind: NodeConfig\nmetadata: {name: n}\nspec: {}\n';
type Config = {
  bootcmd?: string[][];
  runcmd: string[][];
  write_files: Array<{path: string; content: string}>;
  packages?: string[];
};

test('cosi in the image: bootcmd queues the first apply once per instance, before the runtime and the kubelet', (t) => {
  const config = parse(cloudConfig({document, install: {kind: 'image'}})) as Config;
  const [command] = config.bootcmd!;
  t.deepEqual(command!.slice(0, 6), [
    'cloud-init-per',
    'instance',
    firstBootUnit,
    'systemd-run',
    '--no-block',
    `--unit=${firstBootUnit}`,
  ]);
  for (const p of [
    'After=cloud-init.service',
    'Before=containerd.service',
    'Before=crio.service',
    'Before=kubelet.service',
    'DefaultDependencies=no',
  ])
    t.true(command!.includes(`--property=${p}`), p);
  t.deepEqual(command!.slice(-7), [
    '/usr/local/bin/cosi',
    'apply',
    '--auto-approve',
    '--no-color',
    '--lock-timeout',
    '300',
    '/etc/cosi/config.yaml',
  ]);
  t.false(
    config.runcmd.some((c) => c.join(' ') === 'systemctl start cosi-apply.service'),
    'no second apply from runcmd',
  );
  t.true(config.runcmd.some((c) => c.join(' ') === 'systemctl enable cosi-apply.service cosi-drift.timer'));
  t.is(config.write_files.find((f) => f.path === '/etc/cosi/config.yaml')?.content, document);
});

test('cosi from npm: no bootcmd (cosi is not there yet); runcmd installs it and applies', (t) => {
  const config = parse(cloudConfig({document, install: {kind: 'npm', spec: 'cosi@0.1.0'}})) as Config;
  t.is(config.bootcmd, undefined);
  t.deepEqual(config.packages, ['nodejs', 'npm']);
  const commands = config.runcmd.map((c) => c.join(' '));
  t.true(
    commands.indexOf('npm install --global --no-fund --no-audit cosi@0.1.0') <
      commands.indexOf('systemctl start cosi-apply.service'),
  );
});

for (const kind of ['deb', 'binary'] as const) {
  test(`cosi from a ${kind} URL: the queued first-boot unit downloads, checks the digest, installs, then applies`, (t) => {
    const sha256 = 'cd'.repeat(32);
    const config = parse(cloudConfig({document, install: {kind, url: 'https://example.com/cosi', sha256}})) as Config;
    const [command] = config.bootcmd!;
    t.deepEqual(command!.slice(-2), ['/bin/sh', firstBootInstaller]);
    t.true(command!.includes('--property=Before=kubelet.service'));
    const script = config.write_files.find((f) => f.path === firstBootInstaller)!.content;
    t.regex(script, /urlretrieve\(sys\.argv\[1\], sys\.argv\[2\]\)' 'https:\/\/example\.com\/cosi'/);
    t.regex(script, new RegExp(`echo '${sha256}  '"\\$dir/cosi(\\.deb)?" \\| sha256sum --check --quiet --strict -`));
    t.true(
      script.indexOf('sha256sum') < script.indexOf(kind === 'deb' ? 'apt-get install' : 'install -m 0755'),
      'checked before installed',
    );
    const binary = kind === 'deb' ? '/usr/bin/cosi' : '/usr/local/bin/cosi';
    t.regex(script, new RegExp(`^exec ${binary} apply --auto-approve`, 'm'));
    const units = config.write_files.filter((f) => f.path.startsWith('/etc/systemd/system/cosi-'));
    t.is(units.length, kind === 'deb' ? 0 : 3, 'the .deb brings its own units (ExecStart=/usr/bin/cosi)');
    t.false(
      config.runcmd.some((c) => c.join(' ') === 'systemctl start cosi-apply.service'),
      'no second apply',
    );
  });
}

test('--install sources: deb and binary URLs, digests, and what is refused', (t) => {
  t.deepEqual(parseInstallSource('deb:https://h/cosi.deb'), {kind: 'deb', url: 'https://h/cosi.deb'});
  t.deepEqual(parseInstallSource(`binary:http://h/cosi#sha256=${'AB'.repeat(32)}`), {
    kind: 'binary',
    url: 'http://h/cosi',
    sha256: 'ab'.repeat(32),
  });
  t.regex(parseInstallSource('binary:http://h/cosi') as string, /without TLS/);
  t.regex(parseInstallSource('deb:https://h/x.deb#sha256=12') as string, /64 hexadecimal digits/);
  for (const hostile of [
    "deb:https://h/x'; rm -rf /",
    'deb:https://h/$(id)',
    'deb:https://h/a b',
    'deb:ftp://h/x',
    'deb:https://h/x\nid',
  ]) {
    t.is(typeof parseInstallSource(hostile), 'string', hostile);
  }
  t.deepEqual(parseInstallSource('https://h/cosi.tgz'), {kind: 'npm', spec: 'https://h/cosi.tgz'});
});

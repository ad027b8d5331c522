import test from 'ava';
import {parse} from 'yaml';
import {cloudConfig, firstBootUnit} from '../../src/boot/cloud-config.js';

const document = 'apiVersion: cosi.dev/v1alpha1\nkind: NodeConfig\nmetadata: {name: n}\nspec: {}\n';
type Config = {bootcmd?: string[][]; runcmd: string[][]; write_files: Array<{path: string; content: string}>; packages?: string[]};

test('cosi in the image: bootcmd queues the first apply once per instance, before the runtime and the kubelet', (t) => {
  const config = parse(cloudConfig({document, install: {kind: 'image'}})) as Config;
  const [command] = config.bootcmd!;
  t.deepEqual(command!.slice(0, 6), ['cloud-init-per', 'instance', firstBootUnit, 'systemd-run', '--no-block', `--unit=${firstBootUnit}`]);
  for (const p of ['After=cloud-init.service', 'Before=containerd.service', 'Before=crio.service', 'Before=kubelet.service', 'DefaultDependencies=no']) t.true(command!.includes(`--property=${p}`), p);
  t.deepEqual(command!.slice(-7), ['/usr/local/bin/cosi', 'apply', '--auto-approve', '--no-color', '--lock-timeout', '300', '/etc/cosi/config.yaml']);
  t.false(config.runcmd.some((c) => c.join(' ') === 'systemctl start cosi-apply.service'), 'no second apply from runcmd');
  t.true(config.runcmd.some((c) => c.join(' ') === 'systemctl enable cosi-apply.service cosi-drift.timer'));
  t.is(config.write_files.find((f) => f.path === '/etc/cosi/config.yaml')?.content, document);
});

test('cosi from npm: no bootcmd (cosi is not there yet); runcmd installs it and applies', (t) => {
  const config = parse(cloudConfig({document, install: {kind: 'npm', spec: 'cosi@0.1.0'}})) as Config;
  t.is(config.bootcmd, undefined);
  t.deepEqual(config.packages, ['nodejs', 'npm']);
  const commands = config.runcmd.map((c) => c.join(' '));
  t.true(commands.indexOf('npm install --global --no-fund --no-audit cosi@0.1.0') < commands.indexOf('systemctl start cosi-apply.service'));
});

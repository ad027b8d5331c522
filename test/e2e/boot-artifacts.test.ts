import test from 'ava';
import {execFileSync, spawnSync} from 'node:child_process';
import {chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {parse} from 'yaml';
import {firstBootInstaller} from '../../src/boot/cloud-config.js';

// The boot artifacts against the real tools: cloud-init's schema check and systemd-analyze verify.

const repo = join(new URL('.', import.meta.url).pathname, '../../..');
const bin = join(repo, 'bin/cosi.js');

const digest = 'ab'.repeat(32);
for (const install of [
  'image',
  'npm:cosi@0.1.0',
  'https://example.invalid/cosi-0.1.0.tgz',
  'deb:https://example.invalid/cosi_0.1.0_amd64.deb',
  `binary:http://example.invalid/cosi-0.1.0-linux-x64#sha256=${digest}`,
]) {
  test(`cloud-init schema accepts cosi cloud-init --install ${install}`, (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'cosi-ci-'));
    t.teardown(() => rmSync(dir, {recursive: true, force: true}));
    const out = spawnSync(
      process.execPath,
      [bin, 'cloud-init', join(repo, 'cosi.config.example.yaml'), '--install', install],
      {encoding: 'utf8'},
    );
    t.is(out.status, 0, out.stderr);
    t.true(out.stdout.startsWith('#cloud-config\n'));
    const file = join(dir, 'user-data');
    writeFileSync(file, out.stdout);
    const check = spawnSync('cloud-init', ['schema', '--config-file', file], {encoding: 'utf8'});
    t.is(check.status, 0, check.stdout + check.stderr);
    t.regex(check.stdout, /Valid cloud-config/);
    // The first-boot installer of the deb and binary modes is valid shell.
    const installer = (parse(out.stdout) as {write_files: {path: string; content: string}[]}).write_files.find(
      (f) => f.path === firstBootInstaller,
    );
    t.is(installer !== undefined, install.startsWith('deb:') || install.startsWith('binary:'));
    if (installer) {
      const syntax = spawnSync('sh', ['-n'], {input: installer.content, encoding: 'utf8'});
      t.is(syntax.status, 0, syntax.stderr);
    }
  });
}

test('cosi cloud-init refuses an invalid document and an unknown install source', (t) => {
  const bad = spawnSync(
    process.execPath,
    [bin, 'cloud-init', join(repo, 'cosi.config.example.yaml'), '--install', 'ftp://x'],
    {encoding: 'utf8'},
  );
  t.is(bad.status, 1);
  t.regex(bad.stderr, /expected --install to be image, deb:URL, binary:URL, npm:SPEC or an https:\/\/ URL/);
});

test('systemd-analyze verify accepts the shipped units', (t) => {
  // A root holding systemd's own units and an executable cosi, so that verify checks everything it can.
  const root = mkdtempSync(join(tmpdir(), 'cosi-units-'));
  t.teardown(() => rmSync(root, {recursive: true, force: true}));
  mkdirSync(join(root, 'usr/local/bin'), {recursive: true});
  mkdirSync(join(root, 'etc/systemd/system'), {recursive: true});
  mkdirSync(join(root, 'usr/lib/systemd'), {recursive: true});
  writeFileSync(join(root, 'usr/local/bin/cosi'), '#!/bin/sh\n');
  chmodSync(join(root, 'usr/local/bin/cosi'), 0o755);
  cpSync('/lib/systemd/system', join(root, 'usr/lib/systemd/system'), {recursive: true});
  const units = ['cosi-apply.service', 'cosi-drift.service', 'cosi-drift.timer', 'cosi-agent.service'];
  for (const unit of units) cpSync(join(repo, 'systemd', unit), join(root, 'etc/systemd/system', unit));
  const result = spawnSync(
    'systemd-analyze',
    ['verify', '--man=no', `--root=${root}`, ...units.map((u) => `/etc/systemd/system/${u}`)],
    {encoding: 'utf8'},
  );
  t.is(result.status, 0, result.stdout + result.stderr);
  t.is(result.stderr.trim(), '');
  const apply = execFileSync('cat', [join(repo, 'systemd/cosi-apply.service')], {encoding: 'utf8'});
  t.regex(apply, /Before=containerd\.service crio\.service kubelet\.service/);
  t.regex(apply, /After=.*systemd-modules-load\.service/);
});

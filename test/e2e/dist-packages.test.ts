// The .deb and the .rpm against their real consumers: the .deb installed with apt in a fresh Debian 12 root that has
// no Node.js (man-db and systemd in it, for `man cosi` and `systemd-analyze verify`), checked by lintian, removed
// and purged; the .rpm read with `rpm -qp` and installed with `rpm --root` into an empty root.
import test from 'ava';
import {mkdtemp, readFile, rm, stat} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {copyFile} from 'node:fs/promises';
import {createDebianRoot, must, run} from '../lib/debian-root.js';
import {cosiVersion, releaseArtifact} from '../lib/release.js';

const deb = releaseArtifact('deb');
const rpm = releaseArtifact('rpm');
const units = ['cosi-apply.service', 'cosi-drift.service', 'cosi-drift.timer', 'cosi-agent.service'];

/** debFiles lists the .deb's regular files (not directories) as installed paths, as `dpkg-deb -c` shows them. */
async function debFiles(): Promise<string[]> {
  const listing = (await must(['dpkg-deb', '-c', deb])).stdout;
  return listing
    .split('\n')
    .filter((line) => line && !line.startsWith('d'))
    .map((line) => line.split(/\s+/).at(-1)!.replace(/^\./, ''))
    .sort();
}

test("the .deb installs with apt in a Debian 12 root without Node.js; cosi, man and systemd-analyze work there; removing keeps the node's files", async (t) => {
  const root = await createDebianRoot({suite: 'bookworm', variant: 'apt', include: ['man-db', 'systemd']});
  t.teardown(() => root.dispose());
  t.not((await root.chroot(['sh', '-c', 'command -v node nodejs'])).code, 0, 'the root has no Node.js');
  await copyFile(deb, join(root.dir, 'tmp/cosi.deb'));
  const install = await root.chroot(['apt-get', 'install', '-y', '--no-install-recommends', '/tmp/cosi.deb'], {
    env: {DEBIAN_FRONTEND: 'noninteractive'},
  });
  t.is(install.code, 0, install.stderr + install.stdout);
  const verified = await root.chroot(['dpkg', '--verify', 'cosi']);
  t.is(verified.code, 0, verified.stderr);
  t.is(verified.stdout, '', 'every installed file matches the package (DEBIAN/md5sums)');

  // The plan asks apt what the repositories offer: the root gets package indexes (mmdebstrap leaves none).
  await must(['chroot', root.dir, 'apt-get', 'update', '-qq']);
  const version = await root.chroot(['cosi', '--version']);
  t.is(version.stdout, `cosi ${cosiVersion}\n`, version.stderr);
  const example = '/usr/share/doc/cosi/examples/cosi.config.example.yaml';
  const valid = await root.chroot(['cosi', 'validate', example]);
  t.is(valid.code, 0, valid.stderr);
  // The root's /proc is this machine's: the plan probes it read-only. Exit 2: changes pending, no error.
  const plan = await root.chroot(['cosi', 'plan', '--detailed-exitcode', '--no-color', example], {
    env: {NODE_EXTRA_CA_CERTS: ''},
  });
  t.is(plan.code, 2, plan.stderr + plan.stdout);
  t.regex(plan.stdout, /package\.containerd/);

  const man = await root.chroot(['man', '-P', 'cat', 'cosi'], {env: {MANWIDTH: '100'}});
  t.is(man.code, 0, man.stderr);
  t.regex(man.stdout, /^NAME\n\s+cosi\b/m);
  // Every packaged page, one per command, renders without groff warnings.
  const pages = (await must(['ls', join(root.dir, 'usr/share/man/man8')])).stdout
    .split('\n')
    .filter((f) => f.startsWith('cosi-'))
    .map((f) => f.replace(/\.8\.gz$/, ''));
  t.true(pages.includes('cosi-plan'), `a page per command: ${pages.join(', ')}`);
  for (const page of pages) {
    const shown = await root.chroot(['man', '--warnings', '-P', 'cat', page], {env: {MANWIDTH: '100'}});
    t.is(shown.code, 0, `${page}: ${shown.stderr}`);
    t.is(shown.stderr, '', `${page} renders without warnings`);
    t.regex(shown.stdout, /^NAME\n/m, page);
  }
  const completion = await root.chroot([
    'bash',
    '-c',
    '. /usr/share/bash-completion/completions/cosi && complete -p cosi',
  ]);
  t.regex(completion.stdout, /^complete .* cosi$/m, completion.stderr);
  for (const unit of units) {
    const text = await readFile(join(root.dir, 'usr/lib/systemd/system', unit), 'utf8');
    if (unit.endsWith('.service')) t.regex(text, /^ExecStart=\/usr\/bin\/cosi /m, unit);
    t.notRegex(text, /\/usr\/local\//, unit);
  }
  const verify = await root.chroot([
    'systemd-analyze',
    'verify',
    ...units.map((unit) => `/usr/lib/systemd/system/${unit}`),
  ]);
  t.is(verify.code, 0, verify.stderr + verify.stdout);
  t.is(verify.stderr, '', 'systemd-analyze verify has nothing to say');
  // Installing enabled and started nothing.
  for (const unit of units)
    t.regex((await root.chroot(['systemctl', 'is-enabled', unit])).stdout, /^(disabled|static)\n$/, unit);
  t.is((await must(['find', join(root.dir, 'etc/systemd/system'), '-name', 'cosi-*'])).stdout, '', 'no unit links');

  await root.write(
    '/etc/cosi/config.yaml',
    'apiVersion: cosi.dev/v1alpha1\nkind: NodeConfig\nmetadata: {name: kept}\n',
  );
  await root.write('/var/lib/cosi/state.json', '{}\n');
  for (const step of [
    ['apt-get', 'remove', '-y', 'cosi'],
    ['apt-get', 'purge', '-y', 'cosi'],
  ]) {
    const removed = await root.chroot(step, {env: {DEBIAN_FRONTEND: 'noninteractive'}});
    t.is(removed.code, 0, removed.stderr);
    t.is(
      await stat(join(root.dir, 'usr/bin/cosi')).catch(() => undefined),
      undefined,
      `${step[1]}: /usr/bin/cosi is gone`,
    );
    t.regex(
      await readFile(join(root.dir, 'etc/cosi/config.yaml'), 'utf8'),
      /name: kept/,
      `${step[1]}: the node's document stays`,
    );
    t.is(await readFile(join(root.dir, 'var/lib/cosi/state.json'), 'utf8'), '{}\n', `${step[1]}: /var/lib/cosi stays`);
  }
  t.not((await root.chroot(['dpkg-query', '-W', 'cosi'])).code, 0, 'dpkg knows no cosi after the purge');
});

test('lintian reports no errors on the .deb', async (t) => {
  const lintian = await run(['lintian', '--no-cfg', '--fail-on', 'error', deb]);
  t.is(lintian.code, 0, lintian.stdout + lintian.stderr);
  t.notRegex(lintian.stdout, /^E: /m);
  t.log(lintian.stdout.trim() || 'lintian: no tags');
});

test("the .rpm lists the .deb's files, requires only what a RHEL-family base has, and installs into an empty root", async (t) => {
  // Directories are left out (the .rpm owns only its own); the lintian overrides are Debian's alone.
  const dirs = new Set(
    (await must(['rpm', '-qp', '--qf', '[%{FILEMODES:perms} %{FILENAMES}\n]', rpm])).stdout
      .split('\n')
      .filter((line) => line.startsWith('d'))
      .map((line) => line.slice(line.indexOf(' ') + 1)),
  );
  const rpmFiles = (await must(['rpm', '-qpl', rpm])).stdout
    .split('\n')
    .filter((path) => path && !dirs.has(path))
    .sort();
  const fromDeb = (await debFiles()).filter((path) => path !== '/usr/share/lintian/overrides/cosi');
  t.deepEqual(rpmFiles, fromDeb);
  t.true(rpmFiles.includes('/usr/bin/cosi') && rpmFiles.includes('/usr/share/man/man8/cosi.8.gz'));

  const requires = (await must(['rpm', '-qp', '--requires', rpm])).stdout.split('\n').filter(Boolean);
  const base =
    /^(?:(?:libc|libm|libdl|libpthread)\.so\.\d|ld-linux-x86-64\.so\.2|libstdc\+\+\.so\.6|libgcc_s\.so\.1)(?:\(.*\))*$|^\/bin\/sh$|^rpmlib\(.*\) <= [\d.-]+$|^rtld\(GNU_HASH\)$/;
  t.deepEqual(
    requires.filter((r) => !base.test(r)),
    [],
    'only glibc, libstdc++, libgcc, /bin/sh and rpm features',
  );

  const dir = await mkdtemp(join(tmpdir(), 'cosi-rpmroot-'));
  t.teardown(() => rm(dir, {recursive: true, force: true}));
  // The empty root has no /bin/sh for the scriptlets (daemon-reload), so they are not run.
  const install = await run(['rpm', '--root', dir, '--nodeps', '--noscripts', '-i', rpm]);
  t.is(install.code, 0, install.stderr);
  t.deepEqual(
    (await must(['rpm', '--root', dir, '-V', '--nodeps', 'cosi'])).stdout,
    '',
    'every file where rpm put it, as it put it',
  );
  const installed = await stat(join(dir, 'usr/bin/cosi'));
  t.is(installed.mode & 0o777, 0o755);
  t.is((await must([join(dir, 'usr/bin/cosi'), '--version'])).stdout, `cosi ${cosiVersion}\n`);
  for (const unit of units) t.truthy(await stat(join(dir, 'usr/lib/systemd/system', unit)), unit);
  t.regex(
    await readFile(join(dir, 'usr/lib/systemd/system/cosi-apply.service'), 'utf8'),
    /^ExecStart=\/usr\/bin\/cosi apply /m,
  );
  t.truthy(await stat(join(dir, 'usr/share/doc/cosi/examples/cosi.config.example.yaml')));
  t.regex(
    (await must(['rpm', '-qp', '--scripts', rpm])).stdout,
    /postinstall scriptlet[^]*daemon-reload[^]*postuninstall scriptlet[^]*daemon-reload/,
  );
  t.notRegex((await must(['rpm', '-qp', '--scripts', rpm])).stdout, /systemctl[^\n]*\b(?:enable|start|restart)\b/);
});

// A throw-away Debian 12 root for end-to-end tests against the real apt/dpkg (and rpm/dnf, which Debian packages):
// the base root is made once with mmdebstrap and cached as a tarball under .cache/debian-root/, keyed by its inputs;
// every test extracts a fresh copy. Spawns use node:child_process, not execa (see the oracle tests).
import {spawn} from 'node:child_process';
import {createHash} from 'node:crypto';
import {mkdir, mkdtemp, readFile, rename, rm, stat, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';

/** Exit is how a spawned command ended. */
export interface Exit {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** run runs a command on this machine (not chrooted) and collects its output; never throws. */
export function run(
  argv: readonly string[],
  options: {input?: string; cwd?: string; env?: Record<string, string>} = {},
): Promise<Exit> {
  return new Promise((done) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: options.cwd,
      env: {...process.env, ...options.env},
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error) => done({code: null, stdout, stderr: stderr + error.message}));
    child.on('close', (code) => done({code, stdout, stderr}));
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** must runs a command and throws with its output when it fails. */
export async function must(
  argv: readonly string[],
  options: {input?: string; cwd?: string; env?: Record<string, string>} = {},
): Promise<Exit> {
  const exit = await run(argv, options);
  if (exit.code !== 0)
    throw new Error(`\`${argv.join(' ')}\` exited ${exit.code}:\n${exit.stderr}\n${exit.stdout}`.slice(0, 4000));
  return exit;
}

/** repoRoot is the checkout's root (two levels above dist/test/lib). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** debianMirror reads the Debian mirror this machine uses from /etc/apt/sources.list.d (deb822 or one-line form). */
export async function debianMirror(): Promise<string> {
  for (const file of ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list']) {
    const text = await readFile(file, 'utf8').catch(() => '');
    const uri = /^URIs:\s*(\S+)/m.exec(text)?.[1] ?? /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\b/m.exec(text)?.[1];
    if (uri && !uri.includes('security')) return uri;
  }
  return 'http://deb.debian.org/debian';
}

/** BaseRootInputs are what a cached base root depends on; changing any of them makes a new one. */
export interface BaseRootInputs {
  readonly suite: string;
  readonly variant: string;
  /** Extra packages (`rpm`, `dnf`, …). */
  readonly include: readonly string[];
}

/**
 * baseRootTarball returns the cached mmdebstrap tarball for `inputs`, building it when missing (15 s to a few
 * minutes, with the network). Concurrent builders write to temporary names and rename, so a half-written tarball is
 * never used.
 */
export async function baseRootTarball(inputs: BaseRootInputs): Promise<string> {
  const mirror = await debianMirror();
  const key = createHash('sha256')
    .update(JSON.stringify({...inputs, mirror, format: 1}))
    .digest('hex')
    .slice(0, 16);
  const dir = join(repoRoot, '.cache', 'debian-root');
  const tarball = join(dir, `${inputs.suite}-${inputs.variant}-${key}.tar`);
  if (await stat(tarball).catch(() => undefined)) return tarball;
  await mkdir(dir, {recursive: true});
  const partial = `${tarball}.${process.pid}.partial.tar`;
  const include = inputs.include.length > 0 ? [`--include=${inputs.include.join(',')}`] : [];
  await must([
    'mmdebstrap',
    '--quiet',
    `--variant=${inputs.variant}`,
    ...include,
    inputs.suite,
    partial,
    `deb ${mirror} ${inputs.suite} main`,
  ]);
  await rename(partial, tarball);
  return tarball;
}

/** DebianRoot is a fresh Debian root directory with /proc and /dev bound into it. */
export interface DebianRoot {
  readonly dir: string;
  /** chroot runs a command inside the root. */
  chroot(argv: readonly string[], options?: {input?: string; env?: Record<string, string>}): Promise<Exit>;
  write(nodePath: string, content: string, mode?: number): Promise<void>;
  dispose(): Promise<void>;
}

/** createDebianRoot extracts a fresh copy of the cached base root and binds /proc and /dev into it. */
export async function createDebianRoot(inputs: BaseRootInputs): Promise<DebianRoot> {
  const tarball = await baseRootTarball(inputs);
  const dir = await mkdtemp(join(tmpdir(), 'cosi-debian-'));
  await must(['tar', '-C', dir, '-xf', tarball]);
  const mounted: string[] = [];
  for (const fs of ['proc', 'dev']) {
    await mkdir(join(dir, fs), {recursive: true});
    await must(
      fs === 'proc' ? ['mount', '-t', 'proc', 'proc', join(dir, fs)] : ['mount', '--bind', '/dev', join(dir, fs)],
    );
    mounted.push(join(dir, fs));
  }
  return {
    dir,
    chroot: (argv, options = {}) =>
      run(['chroot', dir, ...argv], {
        ...options,
        env: {LC_ALL: 'C', PATH: '/usr/sbin:/usr/bin:/sbin:/bin', ...options.env},
      }),
    async write(nodePath, content, mode = 0o644) {
      await mkdir(dirname(join(dir, nodePath)), {recursive: true});
      await writeFile(join(dir, nodePath), content, {mode});
    },
    async dispose() {
      for (const path of mounted.reverse()) await run(['umount', '-l', path]);
      // Only delete once nothing is mounted below: rm would otherwise walk into the host's /dev.
      const mounts = await readFile('/proc/self/mounts', 'utf8');
      if (mounts.includes(` ${dir}/`)) throw new Error(`${dir} still has mounts; not deleting it`);
      await rm(dir, {recursive: true, force: true});
    },
  };
}

/** DebSpec describes a small test package: name, version, optional dependencies and a systemd unit it ships. */
export interface DebSpec {
  readonly name: string;
  readonly version: string;
  readonly depends?: string;
  readonly unit?: string;
  /** A postinst script (its text, `#!/bin/sh` first), e.g. one that sleeps to hold a transaction open. */
  readonly postinst?: string;
}

/**
 * buildAptRepository builds .debs with dpkg-deb and indexes them with dpkg-scanpackages into `<root>/srv/repo`,
 * then makes it the root's only apt source (`deb [trusted=yes] file:/srv/repo ./`) and runs `apt-get update`.
 */
export async function buildAptRepository(root: DebianRoot, debs: readonly DebSpec[]): Promise<void> {
  const repo = join(root.dir, 'srv/repo');
  await mkdir(repo, {recursive: true});
  const work = await mkdtemp(join(tmpdir(), 'cosi-debs-'));
  try {
    for (const deb of debs) {
      const tree = join(work, `${deb.name}_${deb.version.replace(/:/g, '%3a')}`);
      await mkdir(join(tree, 'DEBIAN'), {recursive: true});
      await mkdir(join(tree, 'usr/share', deb.name), {recursive: true});
      await writeFile(join(tree, 'usr/share', deb.name, 'version'), `${deb.version}\n`);
      if (deb.unit) {
        await mkdir(join(tree, 'lib/systemd/system'), {recursive: true});
        await writeFile(
          join(tree, 'lib/systemd/system', deb.unit),
          `[Unit]\nDescription=${deb.name}\n[Service]\nExecStart=/bin/true\n`,
        );
      }
      const control = [
        `Package: ${deb.name}`,
        `Version: ${deb.version}`,
        'Architecture: all',
        'Maintainer: cosi tests <tests@cosi.dev>',
        ...(deb.depends ? [`Depends: ${deb.depends}`] : []),
        'Section: misc',
        'Priority: optional',
        `Description: cosi test package ${deb.name}`,
        '',
      ].join('\n');
      await writeFile(join(tree, 'DEBIAN/control'), control);
      if (deb.postinst) await writeFile(join(tree, 'DEBIAN/postinst'), deb.postinst, {mode: 0o755});
      await must([
        'dpkg-deb',
        '--root-owner-group',
        '-Zgzip',
        '--build',
        tree,
        join(repo, `${deb.name}_${deb.version.replace(/:/g, '%3a')}_all.deb`),
      ]);
    }
  } finally {
    await rm(work, {recursive: true, force: true});
  }
  const index = await must(['dpkg-scanpackages', '--multiversion', '.', '/dev/null'], {cwd: repo});
  await writeFile(join(repo, 'Packages'), index.stdout);
  await root.write('/etc/apt/sources.list', 'deb [trusted=yes] file:/srv/repo ./\n');
  await rm(join(root.dir, 'etc/apt/sources.list.d'), {recursive: true, force: true});
  await mkdir(join(root.dir, 'etc/apt/sources.list.d'));
  await must(['chroot', root.dir, 'apt-get', 'update', '-qq']);
}

/** RpmSpec describes a small test rpm. */
export interface RpmSpec {
  readonly name: string;
  readonly version: string;
  readonly release: string;
  readonly epoch?: number;
}

/**
 * buildRpmRepository builds noarch rpms with rpmbuild (on this machine), indexes them with createrepo_c inside the
 * root into /srv/rpmrepo, and makes it the root's only dnf repository.
 */
export async function buildRpmRepository(root: DebianRoot, rpms: readonly RpmSpec[]): Promise<void> {
  const repo = join(root.dir, 'srv/rpmrepo');
  await mkdir(repo, {recursive: true});
  const top = await mkdtemp(join(tmpdir(), 'cosi-rpmbuild-'));
  try {
    for (const rpm of rpms) {
      const spec = join(top, `${rpm.name}-${rpm.version}-${rpm.release}.spec`);
      await writeFile(
        spec,
        [
          `Name: ${rpm.name}`,
          `Version: ${rpm.version}`,
          `Release: ${rpm.release}`,
          ...(rpm.epoch ? [`Epoch: ${rpm.epoch}`] : []),
          'Summary: cosi test package',
          'License: MIT',
          'BuildArch: noarch',
          '%description',
          'cosi test package',
          '%install',
          `mkdir -p %{buildroot}/usr/share/${rpm.name}`,
          `echo ${rpm.version} > %{buildroot}/usr/share/${rpm.name}/version`,
          '%files',
          `/usr/share/${rpm.name}/version`,
          '',
        ].join('\n'),
      );
      await must(['rpmbuild', '--quiet', '-bb', '--define', `_topdir ${top}`, spec]);
    }
    await must(['sh', '-c', `cp ${top}/RPMS/noarch/*.rpm ${repo}/`]);
  } finally {
    await rm(top, {recursive: true, force: true});
  }
  await must(['chroot', root.dir, 'createrepo_c', '--quiet', '/srv/rpmrepo']);
  await rm(join(root.dir, 'etc/yum.repos.d'), {recursive: true, force: true});
  await root.write(
    '/etc/yum.repos.d/cosi-test.repo',
    '[cosi-test]\nname=cosi test\nbaseurl=file:///srv/rpmrepo\ngpgcheck=0\nenabled=1\nmetadata_expire=0\n',
  );
}

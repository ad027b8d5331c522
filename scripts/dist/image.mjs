// The OCI image archive for the DaemonSet: two layers, a minimal Debian 12 root and /usr/bin/cosi, put together
// with umoci into an OCI image layout and archived with tar (podman/skopeo's `oci-archive:` format). The root comes
// from mmdebstrap's `extract` variant (packages unpacked, no dpkg, no shell scripts run: 24 MB): glibc, libstdc++ and
// libgcc for the executable and coreutils for chroot(8), which cosi runs every command through under `--root /host`.
// It is cached under .cache/dist/, keyed by what makes it.
import {createHash} from 'node:crypto';
import {existsSync, mkdirSync, readFileSync, renameSync, rmSync} from 'node:fs';
import {join} from 'node:path';
import {repo, run, version, work} from './common.mjs';
import {sourceDateEpoch} from './tree.mjs';

/** imageRoot are the inputs of the image's base root. */
const imageRoot = {
  suite: 'bookworm',
  variant: 'extract',
  include: ['base-files', 'coreutils', 'libgcc-s1', 'libstdc++6'],
  // What a container never reads; dpkg's path excludes keep it out of the root.
  exclude: ['/usr/share/doc/*', '/usr/share/man/*', '/usr/share/info/*', '/usr/share/locale/*', '/usr/share/lintian/*'],
};

/** debianMirrors are the apt sources the root is made from: this machine's Debian mirror, with its updates and security. */
function debianMirrors() {
  let mirror = 'http://deb.debian.org/debian';
  for (const file of ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list']) {
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    const uri = /^URIs:\s*(\S+)/m.exec(text)?.[1] ?? /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\b/m.exec(text)?.[1];
    if (uri && !uri.includes('security')) {
      mirror = uri;
      break;
    }
  }
  const suite = imageRoot.suite;
  return [`deb ${mirror} ${suite} main`, `deb ${mirror} ${suite}-updates main`, `deb http://security.debian.org/debian-security ${suite}-security main`];
}

/** baseRoot returns the cached tarball of the image's root, making it with mmdebstrap when missing. */
function baseRoot() {
  const mirrors = debianMirrors();
  const key = createHash('sha256').update(JSON.stringify({imageRoot, mirrors})).digest('hex').slice(0, 16);
  const dir = join(repo, '.cache/dist');
  const tarball = join(dir, `image-root-${key}.tar`);
  if (existsSync(tarball)) return tarball;
  mkdirSync(dir, {recursive: true});
  // mmdebstrap picks its output format by the name: it must end in .tar.
  const partial = `${tarball}.${process.pid}.partial.tar`;
  run(['mmdebstrap', '--quiet', `--variant=${imageRoot.variant}`, `--include=${imageRoot.include.join(',')}`,
    ...imageRoot.exclude.map((path) => `--dpkgopt=path-exclude=${path}`), imageRoot.suite, partial, ...mirrors], {capture: true});
  renameSync(partial, tarball);
  return tarball;
}

/** buildImage writes the OCI image archive to `output` from the single executable. */
export function buildImage({executable, output}) {
  const dir = join(work, 'image');
  const layout = join(dir, 'layout');
  const image = `${layout}:cosi:${version}`;
  rmSync(dir, {recursive: true, force: true});
  mkdirSync(join(dir, 'cosi/usr/bin'), {recursive: true});
  const epoch = sourceDateEpoch();
  const created = new Date(epoch * 1000).toISOString();
  const tar = ['tar', '--owner=0', '--group=0', '--numeric-owner', `--mtime=@${epoch}`, '--sort=name'];
  run(['cp', executable, join(dir, 'cosi/usr/bin/cosi')]);
  run([...tar, '-C', join(dir, 'cosi'), '-cf', join(dir, 'cosi.tar'), './usr/bin/cosi']);
  run(['umoci', 'init', '--layout', layout]);
  run(['umoci', 'new', '--image', image]);
  run(['umoci', 'raw', 'add-layer', '--image', image, '--history.created', created, '--history.created_by', `mmdebstrap --variant=${imageRoot.variant} ${imageRoot.suite} (${imageRoot.include.join(' ')})`, baseRoot()]);
  run(['umoci', 'raw', 'add-layer', '--image', image, '--history.created', created, '--history.created_by', 'cosi single executable as /usr/bin/cosi', join(dir, 'cosi.tar')]);
  run(['umoci', 'config', '--image', image, '--created', created, '--author', 'cosi',
    '--config.entrypoint', '/usr/bin/cosi',
    '--config.env', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    '--config.workingdir', '/',
    '--config.label', `org.opencontainers.image.version=${version}`,
    '--config.label', 'org.opencontainers.image.title=cosi',
    '--config.label', 'org.opencontainers.image.licenses=Apache-2.0',
    '--config.label', 'org.opencontainers.image.source=https://cosi.dev',
    '--history.created', created, '--history.created_by', 'entrypoint /usr/bin/cosi']);
  run(['umoci', 'gc', '--layout', layout]);
  run([...tar, '-C', layout, '-cf', output, '.']);
  rmSync(dir, {recursive: true, force: true});
}

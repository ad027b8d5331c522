import {mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, copyFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {runHostCommand} from './vm/run-command.js';

/** BusyboxImage is a docker-archive tar of a one-layer image holding Debian's busybox-static, and where it came from. */
export interface BusyboxImage {
  /** The archive (`docker-archive`, as `ctr images import` and `docker load` read it). */
  readonly archive: string;
  /** The image's name inside the archive (its RepoTags). */
  readonly name: string;
  /** The package it was built from: `busybox-static VERSION`. */
  readonly source: string;
  dispose(): void;
}

/** The busybox applets the image links to /bin/busybox: a shell, sleep (the sandbox's process) and cat. */
const applets = ['sh', 'sleep', 'cat', 'echo'];

/**
 * buildBusyboxImage builds, offline from the network's point of view of the guest, a minimal image from Debian's
 * `busybox-static` package (downloaded with the host's apt, `apt-get download`, never installed): one layer with
 * `/bin/busybox` and a few applet links, made into an OCI layout by umoci (entrypoint `/bin/sleep 2147483647`, so the
 * image also serves as a pod's sandbox ("pause") image), then copied by skopeo into a `docker-archive` named `name`.
 */
export async function buildBusyboxImage(name: string): Promise<BusyboxImage> {
  const dir = mkdtempSync(join(tmpdir(), 'cosi-busybox-image-'));
  try {
    await runHostCommand(['apt-get', 'download', '-q', 'busybox-static'], {cwd: dir, timeoutMs: 300_000});
    const deb = readdirSync(dir).find((f) => f.endsWith('.deb'));
    if (!deb) throw new Error('apt-get download busybox-static left no .deb');
    const version = (
      await runHostCommand(['dpkg-deb', '-f', join(dir, deb), 'Version'], {timeoutMs: 30_000, stdoutOnly: true})
    ).trim();
    await runHostCommand(['dpkg-deb', '-x', join(dir, deb), join(dir, 'pkg')], {timeoutMs: 60_000});
    const rootfs = join(dir, 'rootfs');
    mkdirSync(join(rootfs, 'bin'), {recursive: true});
    copyFileSync(join(dir, 'pkg/bin/busybox'), join(rootfs, 'bin/busybox'));
    for (const applet of applets) symlinkSync('busybox', join(rootfs, 'bin', applet));
    const tar = ['tar', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '--sort=name'];
    await runHostCommand([...tar, '-C', rootfs, '-cf', join(dir, 'layer.tar'), './bin'], {timeoutMs: 60_000});
    const layout = join(dir, 'layout');
    const image = `${layout}:busybox`;
    const created = '1970-01-01T00:00:00Z';
    for (const argv of [
      ['umoci', 'init', '--layout', layout],
      ['umoci', 'new', '--image', image],
      ['umoci', 'raw', 'add-layer', '--image', image, '--history.created', created, join(dir, 'layer.tar')],
      [
        'umoci',
        'config',
        '--image',
        image,
        '--created',
        created,
        '--os',
        'linux',
        '--architecture',
        'amd64',
        '--config.entrypoint',
        '/bin/sleep',
        '--config.cmd',
        '2147483647',
        '--config.env',
        'PATH=/bin',
        '--config.label',
        `org.opencontainers.image.description=Debian busybox-static ${version}`,
      ],
      ['umoci', 'gc', '--layout', layout],
    ])
      await runHostCommand(argv, {timeoutMs: 60_000});
    const archive = join(dir, 'busybox.tar');
    await runHostCommand(['skopeo', 'copy', '-q', `oci:${image}`, `docker-archive:${archive}:${name}`], {
      timeoutMs: 120_000,
    });
    rmSync(join(dir, 'pkg'), {recursive: true, force: true});
    return {
      archive,
      name,
      source: `busybox-static ${version}`,
      dispose: () => rmSync(dir, {recursive: true, force: true}),
    };
  } catch (e) {
    rmSync(dir, {recursive: true, force: true});
    throw e;
  }
}

import {createHash} from 'node:crypto';
import {mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {cachedBuild, diskUsageBytes, pruneEntries} from './cache-entry.js';
import type {BaseImage} from './image.js';
import {vmCacheDir} from './paths.js';
import {ext4FromDir} from './file-disk.js';
import {runHostCommand} from './run-command.js';
import type {Vm} from './vm.js';

/** repoLabel is the ext4 label of a local apt repository disk. */
export const repoLabel = 'cosi-repo';

/** repoMountPoint is where {@link useLocalRepo} mounts the repository disk in the guest. */
export const repoMountPoint = '/srv/cosi-repo';

/** AptRepoDisk is a read-only ext4 disk holding a flat apt repository (`Packages` + `.deb` files). */
export type AptRepoDisk = {dir: string; disk: string; key: string; debs: string[]};

/**
 * ensureAptRepoDisk returns a disk with Debian's own packages for `packages` and every dependency the base image does
 * not already have, so that a VM without a network can install them with apt. The host's apt (Debian 12, its
 * sources and lists — `.ci/run` runs `apt-get update`) resolves and downloads them against the guest's dpkg status
 * (read out of the base image with `debugfs`, nothing mounted); `dpkg-scanpackages` indexes them. Cached by the package
 * list, the base image and the host's package lists.
 */
export async function ensureAptRepoDisk(
  base: BaseImage,
  packages: string[],
  log: (line: string) => void = () => {},
): Promise<AptRepoDisk> {
  const wanted = [...new Set(packages)].sort();
  const hash = createHash('sha256').update(JSON.stringify({wanted, base: base.meta.key}));
  for (const list of listFiles()) hash.update(`${list}\0${statSync(list).mtimeMs}\n`);
  const key = 'repo-' + hash.digest('hex').slice(0, 16);
  const reposDir = join(vmCacheDir(), 'repos');
  const dir = await cachedBuild(reposDir, key, async (tmp) => {
    const started = Date.now();
    const status = join(tmp, 'guest-status');
    writeFileSync(
      status,
      await runHostCommand(['debugfs', '-R', 'cat /var/lib/dpkg/status', base.disk], {
        timeoutMs: 120_000,
        stdoutOnly: true,
      }),
    );
    const archives = join(tmp, 'stage');
    mkdirSync(join(archives, 'partial'), {recursive: true});
    await runHostCommand(
      [
        'apt-get',
        'install',
        '--download-only',
        '--yes',
        '--no-install-recommends',
        '-o',
        `Dir::State::status=${status}`,
        '-o',
        `Dir::Cache::archives=${archives}`,
        '-o',
        'Debug::NoLocking=1',
        '-o',
        'APT::Get::AllowUnauthenticated=false',
        ...wanted,
      ],
      {timeoutMs: 20 * 60_000, env: {...process.env, DEBIAN_FRONTEND: 'noninteractive'}},
    );
    rmSync(join(archives, 'partial'), {recursive: true, force: true});
    rmSync(join(archives, 'lock'), {force: true});
    const debs = readdirSync(archives)
      .filter((f) => f.endsWith('.deb'))
      .sort();
    const index = await runHostCommand(['dpkg-scanpackages', '--multiversion', '.', '/dev/null'], {
      timeoutMs: 5 * 60_000,
      cwd: archives,
      stdoutOnly: true,
    });
    writeFileSync(join(archives, 'Packages'), index);
    writeFileSync(join(tmp, 'debs.json'), JSON.stringify(debs, null, 2) + '\n');
    const megabytes = Math.ceil((diskUsageBytes(archives) / 1e6) * 1.2) + 32;
    await ext4FromDir(archives, repoLabel, join(tmp, 'disk.raw'), megabytes);
    rmSync(archives, {recursive: true, force: true});
    log(
      `vm: apt repository ${key} (${debs.length} packages for ${wanted.join(', ')}) built in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  });
  pruneEntries(reposDir, 'repo', key, 3);
  return {
    dir,
    disk: join(dir, 'disk.raw'),
    key,
    debs: JSON.parse(readFileSync(join(dir, 'debs.json'), 'utf8')) as string[],
  };
}

/**
 * useLocalRepo makes the guest's apt use only the repository disk: it mounts it read-only at {@link repoMountPoint}
 * (also in fstab, so it is there after reboots), replaces the network sources with it (`[trusted=yes]`: a local
 * test repository has no signed Release file) and runs `apt-get update`.
 */
export async function useLocalRepo(vm: Vm): Promise<void> {
  await vm.runOk(['mkdir', '-p', repoMountPoint]);
  await vm.runOk([
    'sh',
    '-c',
    `echo "LABEL=${repoLabel} ${repoMountPoint} ext4 ro,nofail 0 0" >> /etc/fstab && mount ${repoMountPoint}`,
  ]);
  await vm.runOk([
    'sh',
    '-c',
    'mv /etc/apt/sources.list /etc/apt/sources.list.network 2>/dev/null; rm -f /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; true',
  ]);
  await vm.writeFile('/etc/apt/sources.list.d/cosi-repo.list', `deb [trusted=yes] file:${repoMountPoint} ./\n`);
  await vm.runOk(['apt-get', 'update', '-qq'], {timeoutMs: 300_000});
}

function listFiles(): string[] {
  const lists = '/var/lib/apt/lists';
  try {
    return readdirSync(lists)
      .filter((f) => f.includes('Packages'))
      .sort()
      .map((f) => join(lists, f));
  } catch {
    return [];
  }
}

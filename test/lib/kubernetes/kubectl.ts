// Debian's kubectl, from its kubernetes-client package. Where /usr/bin/kubectl is that package's it is used; where
// another package owns /usr/bin/kubectl (a cloud SDK's, which installing kubernetes-client would collide with), the
// package is fetched with `apt-get download` and unpacked under .cache/kubectl/, once per version. KUBECTL names
// another kubectl to run instead.
import {existsSync} from 'node:fs';
import {mkdir, readdir, rename, rm} from 'node:fs/promises';
import {join} from 'node:path';
import {repoRoot, run} from '../debian-root.js';

const pkg = 'kubernetes-client';

/** debianKubectl returns the path of Debian's kubectl, fetching and unpacking its package when needed. */
export async function debianKubectl(): Promise<string> {
  if (process.env.KUBECTL) return process.env.KUBECTL;
  const owner = await run(['dpkg-query', '-S', '/usr/bin/kubectl']);
  if (owner.code === 0 && owner.stdout.startsWith(`${pkg}:`)) return '/usr/bin/kubectl';
  const policy = await run(['apt-cache', 'policy', pkg]);
  const version = /Candidate: (\S+)/.exec(policy.stdout)?.[1];
  if (!version || version === '(none)') throw new Error(`apt knows no ${pkg} (run apt-get update): ${policy.stdout}`);
  const dir = join(repoRoot, '.cache/kubectl', version.replace(/[^A-Za-z0-9.+~-]/g, '_'));
  const kubectl = join(dir, 'usr/bin/kubectl');
  if (existsSync(kubectl)) return kubectl;
  const partial = `${dir}.${process.pid}.partial`;
  await rm(partial, {recursive: true, force: true});
  await mkdir(partial, {recursive: true});
  try {
    const download = await run(['apt-get', 'download', '-qq', `${pkg}=${version}`], {cwd: partial});
    const deb = (await readdir(partial)).find((f) => f.endsWith('.deb'));
    if (!deb) throw new Error(`apt-get download ${pkg} failed: ${download.stderr}`);
    const unpack = await run(['dpkg-deb', '-x', join(partial, deb), partial]);
    if (unpack.code !== 0) throw new Error(`dpkg-deb -x ${deb} failed: ${unpack.stderr}`);
    await rm(join(partial, deb));
    await rm(dir, {recursive: true, force: true});
    await rename(partial, dir);
  } finally {
    await rm(partial, {recursive: true, force: true});
  }
  return kubectl;
}

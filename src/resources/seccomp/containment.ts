import type {Host} from '../../host/host.js';

/** Containment is whether a profile path may be written: it must stay under the seccomp root, links included. */
export type Containment = {readonly ok: true} | {readonly ok: false; readonly reason: string};

/**
 * checkContainment tells whether writing `relative` under `dir` stays under `dir` on the node: the path as the node
 * resolves it (`host.resolve`, symbolic links followed inside the root) must stay under the resolved `dir`, and no
 * component below `dir` may be a symbolic link at all — on the real root `host.resolve` cannot see links (the
 * kernel follows them), so a link is refused rather than trusted. `dir` itself may be a link (a kubelet root on a
 * data disk). Read-only.
 */
export async function checkContainment(host: Host, dir: string, relative: string): Promise<Containment> {
  const base = (await host.resolve(dir)).replace(/\/+$/, '');
  const resolved = await host.resolve(`${dir}/${relative}`);
  if (!resolved.startsWith(`${base}/`)) {
    return {
      ok: false,
      reason: `${dir}/${relative} resolves to ${resolved.slice(host.root === '/' ? 0 : host.root.length) || '/'}, outside ${dir}`,
    };
  }
  const parts = relative.split('/');
  for (let i = 1; i <= parts.length; i++) {
    const nodePath = `${dir}/${parts.slice(0, i).join('/')}`;
    const info = await host.lstat(nodePath);
    if (!info) break;
    if (info.isSymbolicLink())
      return {ok: false, reason: `${nodePath} is a symbolic link; cosi does not write profiles through links`};
    if (i === parts.length && !info.isFile())
      return {ok: false, reason: `${nodePath} exists and is not a regular file`};
  }
  return {ok: true};
}

/** backupDir is where cosi keeps the originals of files it changes but does not own. */
export const backupDir = '/var/lib/cosi/backups';

/**
 * backupPath is where the original of a node file is kept: its path under `backupDir`
 * (`/etc/containerd/config.toml` -> `/var/lib/cosi/backups/etc/containerd/config.toml`).
 */
export function backupPath(nodePath: string): string {
  return `${backupDir}/${nodePath.replace(/^\/+/, '')}`;
}

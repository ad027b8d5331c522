import {mkdtemp, mkdir, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';

/** FixtureRoot is a throw-away directory standing in for a node's `/`, for probes and applies in unit tests. */
export interface FixtureRoot {
  readonly dir: string;
  write(nodePath: string, content: string): Promise<void>;
  read(nodePath: string): Promise<string | undefined>;
  cleanup(): Promise<void>;
}

/** createFixtureRoot makes a temporary root holding `files` (node path -> content). */
export async function createFixtureRoot(files: Record<string, string> = {}): Promise<FixtureRoot> {
  const dir = await mkdtemp(join(tmpdir(), 'cosi-root-'));
  // A node's root holds an etc/ (cosi refuses a --root without one).
  await mkdir(join(dir, 'etc'));
  const root: FixtureRoot = {
    dir,
    async write(nodePath, content) {
      await mkdir(dirname(join(dir, nodePath)), {recursive: true});
      await writeFile(join(dir, nodePath), content);
    },
    async read(nodePath) {
      try {
        return await readFile(join(dir, nodePath), 'utf8');
      } catch {
        return undefined;
      }
    },
    cleanup: () => rm(dir, {recursive: true, force: true}),
  };
  for (const [path, content] of Object.entries(files)) await root.write(path, content);
  return root;
}

/** kernelFiles is a small /proc/sys as found on a fresh node, for sysctl fixtures. */
export const kernelFiles: Record<string, string> = {
  '/proc/sys/kernel/osrelease': '6.1.0-28-amd64\n',
  '/proc/sys/net/ipv4/ip_forward': '0\n',
  '/proc/sys/net/ipv4/ip_local_port_range': '32768\t60999\n',
  '/proc/sys/net/ipv6/conf/all/forwarding': '0\n',
  '/proc/sys/net/ipv6/conf/eth0.100/disable_ipv6': '0\n',
  '/proc/sys/vm/swappiness': '60\n',
  '/proc/sys/kernel/pid_max': '4194304\n',
  '/usr/lib/sysctl.d/50-default.conf': '# systemd defaults\nkernel.sysrq = 0x01b6\nnet.ipv4.conf.*.rp_filter = 2\n',
};

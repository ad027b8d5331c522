import {spawnSync} from 'node:child_process';
import {chmodSync, copyFileSync, mkdirSync, readFileSync, realpathSync, symlinkSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {createFixtureRoot, kernelFiles, type FixtureRoot} from './fixture-root.js';

// A fixture root where cosi manages services and owes containerd a restart: /run/systemd/system is a directory, and
// `systemctl`, `containerd` and `dpkg-query` are shell scripts run chrooted by cosi with this machine's dash. The fake
// systemctl logs each call with whether config.toml held the new setting (`SystemdCgroup = true`) at that moment, so
// a test can tell a restart before the config changed from one after it. Used by the crash suites of apply and agent.

const repo = join(new URL('.', import.meta.url).pathname, '../../..');

export const restartPaths = {
  toml: '/etc/containerd/config.toml',
  systemctlLog: '/var/log/fake-systemctl.log',
} as const;

const systemctl = `#!/bin/sh
config=old
while IFS= read -r line; do
  case "$line" in *"SystemdCgroup = true"*) config=new ;; esac
done < ${restartPaths.toml}
echo "$* config=$config" >> ${restartPaths.systemctlLog}
case "$1" in
  is-system-running) echo running ;;
  show)
    while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do shift; done
    shift
    for unit in "$@"; do printf 'Id=%s\\nLoadState=loaded\\nUnitFileState=enabled\\nActiveState=active\\n\\n' "$unit"; done ;;
esac
exit 0
`;
const containerd = `#!/bin/sh
echo "containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+b1"
`;
const dpkgQuery = `#!/bin/sh
case "$1" in
  -W) printf 'base-files\\t12.4+deb12u5\\tii \\ncontainerd\\t1.6.20~ds1-1+b1\\tii \\n' ;;
  *) exit 1 ;;
esac
`;

/** dashFiles are this machine's dash and the libraries it loads, to copy into each root so that scripts run chrooted. */
function dashFiles(): string[] {
  const dash = realpathSync('/bin/sh');
  const ldd = spawnSync('ldd', [dash], {encoding: 'utf8'}).stdout;
  const libraries = [...ldd.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)].map((m) => m[1]!);
  return [dash, ...libraries];
}

/**
 * createRestartRoot makes the root with Debian's shipped containerd config, the fake tools, and the extra files
 * given; `executables` lists further files of `extra` to make executable (CNI plugins, say).
 */
export async function createRestartRoot(
  extra: Readonly<Record<string, string>>,
  executables: readonly string[] = [],
): Promise<FixtureRoot> {
  const tools = {
    '/usr/bin/apt-get': '',
    '/usr/bin/systemctl': systemctl,
    '/usr/bin/containerd': containerd,
    '/usr/bin/dpkg-query': dpkgQuery,
  };
  const root = await createFixtureRoot({
    ...kernelFiles,
    '/etc/os-release': 'ID=debian\nVERSION_ID="12"\n',
    [restartPaths.toml]: readFileSync(join(repo, 'fixtures/runtime/containerd-debian-shipped.toml'), 'utf8'),
    ...tools,
    [restartPaths.systemctlLog]: '',
    ...extra,
  });
  mkdirSync(join(root.dir, 'run/systemd/system'), {recursive: true});
  for (const file of dashFiles()) {
    mkdirSync(dirname(join(root.dir, file)), {recursive: true});
    copyFileSync(file, join(root.dir, file));
    chmodSync(join(root.dir, file), 0o755);
  }
  const dash = realpathSync('/bin/sh');
  if (dash !== '/bin/sh') {
    mkdirSync(join(root.dir, 'bin'), {recursive: true});
    symlinkSync(dash, join(root.dir, 'bin/sh'));
  }
  for (const path of [...Object.keys(tools), ...executables]) chmodSync(join(root.dir, path), 0o755);
  return root;
}

/** containerdRestarts lists, for each restart of containerd.service, whether the config was `new` or `old` then. */
export async function containerdRestarts(root: FixtureRoot): Promise<string[]> {
  return ((await root.read(restartPaths.systemctlLog)) ?? '')
    .split('\n')
    .filter((line) => /^(try-restart|restart)\b.* containerd\.service /.test(line))
    .map((line) => line.split(' ').at(-1)!);
}

import test from 'ava';
import {spawnSync} from 'node:child_process';
import {chmodSync, copyFileSync, mkdirSync, realpathSync, symlinkSync, writeFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {startAgent} from '../lib/agent-process.js';
import {createFixtureRoot, kernelFiles, type FixtureRoot} from '../lib/fixture-root.js';

// Acceptance 4 of the agent: SIGKILL of `cosi agent` during an apply (at every crash point of the apply:
// COSI_TEST_CRASH_AT=N counting journal entries and state saves), then a restart: the restarted agent converges,
// and containerd, whose config the apply changes, is restarted exactly once, after the change. The root is one where
// cosi manages services (/run/systemd/system); systemctl, containerd and dpkg-query are shell scripts run chrooted
// with this machine's dash; the fake systemctl logs each call with whether config.toml held the new setting.

const repo = join(new URL('.', import.meta.url).pathname, '../../..');
const toml = '/etc/containerd/config.toml';
const systemctlLog = '/var/log/fake-systemctl.log';

const documentText = `apiVersion: cosi.dev/v1alpha1
kind: NodeConfig
metadata: {name: agent-crash}
spec:
  sysctls:
    net.ipv4.ip_forward: 1
    vm.swappiness: 10
  runtime:
    engine: containerd
    settings:
      plugins:
        io.containerd.grpc.v1.cri:
          containerd:
            runtimes:
              runc:
                options: {SystemdCgroup: true}
`;

const systemctl = `#!/bin/sh
config=old
while IFS= read -r line; do
  case "$line" in *"SystemdCgroup = true"*) config=new ;; esac
done < ${toml}
echo "$* config=$config" >> ${systemctlLog}
case "$1" in
  is-system-running) echo running ;;
  show)
    while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do shift; done
    shift
    for unit in "$@"; do printf 'Id=%s\\nLoadState=loaded\\nUnitFileState=enabled\\nActiveState=active\\n\\n' "$unit"; done ;;
esac
exit 0
`;

async function makeRoot(): Promise<FixtureRoot> {
  const root = await createFixtureRoot({
    ...kernelFiles,
    '/etc/os-release': 'ID=debian\nVERSION_ID="12"\n',
    [toml]: (await import('node:fs')).readFileSync(
      join(repo, 'fixtures/runtime/containerd-debian-shipped.toml'),
      'utf8',
    ),
    '/usr/bin/apt-get': '',
    '/usr/bin/systemctl': systemctl,
    '/usr/bin/containerd': '#!/bin/sh\necho "containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+b1"\n',
    '/usr/bin/dpkg-query':
      '#!/bin/sh\ncase "$1" in\n  -W) printf \'base-files\\t12.4+deb12u5\\tii \\ncontainerd\\t1.6.20~ds1-1+b1\\tii \\n\' ;;\n  *) exit 1 ;;\nesac\n',
    [systemctlLog]: '',
    '/etc/cosi/config.yaml': documentText,
  });
  mkdirSync(join(root.dir, 'run/systemd/system'), {recursive: true});
  const dash = realpathSync('/bin/sh');
  const ldd = spawnSync('ldd', [dash], {encoding: 'utf8'}).stdout;
  for (const file of [dash, ...[...ldd.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)].map((m) => m[1]!)]) {
    mkdirSync(dirname(join(root.dir, file)), {recursive: true});
    copyFileSync(file, join(root.dir, file));
    chmodSync(join(root.dir, file), 0o755);
  }
  if (dash !== '/bin/sh') {
    mkdirSync(join(root.dir, 'bin'), {recursive: true});
    symlinkSync(dash, join(root.dir, 'bin/sh'));
  }
  for (const path of ['/usr/bin/apt-get', '/usr/bin/systemctl', '/usr/bin/containerd', '/usr/bin/dpkg-query'])
    chmodSync(join(root.dir, path), 0o755);
  chmodSync(join(root.dir, 'etc/cosi/config.yaml'), 0o644);
  writeFileSync(join(root.dir, 'etc/group'), 'root:x:0:\n');
  return root;
}

async function restarts(root: FixtureRoot): Promise<string[]> {
  return ((await root.read(systemctlLog)) ?? '')
    .split('\n')
    .filter((line) => /^(try-restart|restart)\b.* containerd\.service /.test(line))
    .map((line) => line.split(' ').at(-1)!);
}

test('SIGKILL of the agent at every crash point of its apply, then a restart: it converges, containerd restarted once', async (t) => {
  const started = Date.now();
  let points = 0;
  for (let at = 1; at < 100; at++) {
    const root = await makeRoot();
    try {
      const crashing = await startAgent({
        root: root.dir,
        args: ['--interval', '10m'],
        env: {COSI_TEST_CRASH_AT: String(at), COSI_TEST_CRASH_POINTS: 'journal,state'},
        waitFor: /"msg":"agent started"/,
      });
      const ended = await Promise.race([
        crashing.exit.then(() => 'exit' as const),
        crashing.waitFor(/"msg":"reconciled"/, 60_000).then(() => 'reconciled' as const),
      ]);
      if (ended === 'reconciled') {
        // Past the last crash point: one uninterrupted apply.
        t.is(await crashing.stop(), 0);
        t.deepEqual(await restarts(root), ['config=new']);
        break;
      }
      t.is(crashing.signal, 'SIGKILL', `the agent was killed at crash point ${at}:\n${crashing.log.join('\n')}`);
      points++;
      t.false((await restarts(root)).includes('config=old'), 'never a restart before the config changed');
      const restarted = await startAgent({root: root.dir, args: ['--interval', '10m']});
      const line = await restarted.waitFor(/"msg":"reconcile/);
      t.regex(
        line,
        /"msg":"reconciled".*"pending":0/,
        `the restarted agent converges after crash point ${at}:\n${restarted.log.join('\n')}`,
      );
      t.is(await restarted.stop(), 0);
      t.deepEqual(await restarts(root), ['config=new'], `containerd restarted exactly once, after crash point ${at}`);
      t.is(await root.read('/var/lib/cosi/journal.jsonl'), undefined, 'the journal is history');
      t.regex((await root.read(toml)) ?? '', /SystemdCgroup = true/);
      t.is((await root.read('/proc/sys/vm/swappiness'))?.trim(), '10');
    } finally {
      await root.cleanup();
    }
  }
  t.true(points >= 8, `crash points reached: ${points}`);
  t.log(`${points} crash points, each killed and restarted, in ${Math.round((Date.now() - started) / 1000)} s`);
});

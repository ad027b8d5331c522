import test from 'ava';
import {chmodSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {startAgent} from '../lib/agent-process.js';
import {type FixtureRoot} from '../lib/fixture-root.js';
import {containerdRestarts, createRestartRoot, restartPaths} from '../lib/restart-root.js';

// Acceptance 4 of the agent: SIGKILL of `cosi agent` during an apply (at every crash point of the apply:
// COSI_TEST_CRASH_AT=N counting journal entries and state saves), then a restart: the restarted agent converges,
// and containerd, whose config the apply changes, is restarted exactly once, after the change. The root is one where
// cosi manages services (/run/systemd/system); systemctl, containerd and dpkg-query are shell scripts run chrooted
// with this machine's dash; the fake systemctl logs each call with whether config.toml held the new setting.

const toml = restartPaths.toml;

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

async function makeRoot(): Promise<FixtureRoot> {
  const root = await createRestartRoot({'/etc/cosi/config.yaml': documentText});
  chmodSync(join(root.dir, 'etc/cosi/config.yaml'), 0o644);
  writeFileSync(join(root.dir, 'etc/group'), 'root:x:0:\n');
  return root;
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
        t.deepEqual(await containerdRestarts(root), ['config=new']);
        break;
      }
      t.is(crashing.signal, 'SIGKILL', `the agent was killed at crash point ${at}:\n${crashing.log.join('\n')}`);
      points++;
      t.false((await containerdRestarts(root)).includes('config=old'), 'never a restart before the config changed');
      const restarted = await startAgent({root: root.dir, args: ['--interval', '10m']});
      const line = await restarted.waitFor(/"msg":"reconcile/);
      t.regex(
        line,
        /"msg":"reconciled".*"pending":0/,
        `the restarted agent converges after crash point ${at}:\n${restarted.log.join('\n')}`,
      );
      t.is(await restarted.stop(), 0);
      t.deepEqual(
        await containerdRestarts(root),
        ['config=new'],
        `containerd restarted exactly once, after crash point ${at}`,
      );
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

import test from 'ava';
import {spawn, spawnSync} from 'node:child_process';
import {readdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {parseSysctlFile} from '../../src/resources/sysctl/sysctl-d.js';
import {createFixtureRoot, kernelFiles} from '../lib/fixture-root.js';

// Fault injection: SIGKILL at every crash point of a multi-change apply (COSI_TEST_CRASH_AT=N), then a plain
// re-run. Every run must end converged, with no partial file and every original value kept.

const repo = join(new URL('.', import.meta.url).pathname, '../../..');
const bin = join(repo, 'bin/cosi.js');
const keys = Array.from({length: 8}, (_, i) => `net.ipv4.conf.eth${i}.forwarding`);
const desired = Object.fromEntries(keys.map((k, i) => [k, String(i % 2 === 0 ? 1 : 0)]));
const originals = Object.fromEntries(keys.map((k, i) => [k, String(i % 2 === 0 ? 0 : 1)]));
const files: Record<string, string> = {...kernelFiles};
for (const k of keys) files[`/proc/sys/${k.replace(/\./g, '/')}`] = `${originals[k]}\n`;
const documentText = ['apiVersion: cosi.dev/v1alpha1', 'kind: NodeConfig', 'metadata: {name: crash}', 'spec:', '  sysctls:', ...keys.map((k) => `    ${k}: ${desired[k]}`), ''].join('\n');

function run(root: string, config: string, env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [bin, 'apply', config, '--root', root, '--auto-approve', '--json'], {encoding: 'utf8', env: {...process.env, ...env}});
}

test('SIGKILL at every crash point: the re-run converges, nothing partial, originals kept', async (t) => {
  let points = 0;
  for (let at = 1; at < 200; at++) {
    const root = await createFixtureRoot(files);
    try {
      const config = join(root.dir, 'config.yaml');
      writeFileSync(config, documentText);
      const crashed = run(root.dir, config, {COSI_TEST_CRASH_AT: String(at)});
      if (crashed.signal !== 'SIGKILL') {
        t.is(crashed.status, 0, 'past the last crash point the apply completes');
        break;
      }
      points++;
      // Every kernel value is either the original or the desired one; cosi's file is whole.
      for (const k of keys) {
        const live = (await root.read(`/proc/sys/${k.replace(/\./g, '/')}`))!.trim();
        t.true(live === originals[k] || live === desired[k], `${k} at crash point ${at}: ${live}`);
      }
      const persisted = await root.read('/etc/sysctl.d/90-cosi.conf');
      if (persisted !== undefined) {
        t.regex(persisted, /^# Managed by cosi.*\n/);
        t.true(persisted.endsWith('\n'));
        for (const a of parseSysctlFile(persisted)) t.is(a.value, desired[a.key], `persisted ${a.key}`);
      }
      t.deepEqual((persisted === undefined ? [] : readdirSync(join(root.dir, 'etc/sysctl.d'), {withFileTypes: true})).filter((e) => e.name.includes('.cosi-')).map((e) => e.name), [], 'no temporary files left');

      const rerun = run(root.dir, config);
      t.is(rerun.status, 0, `re-run after crash point ${at}: ${rerun.stderr}`);
      if ((await root.read('/var/lib/cosi/journal.jsonl')) !== undefined) t.fail('journal left after a completed apply');
      for (const k of keys) t.is((await root.read(`/proc/sys/${k.replace(/\./g, '/')}`))!.trim(), desired[k]);
      const state = JSON.parse((await root.read('/var/lib/cosi/state.json'))!);
      for (const k of keys) t.is(state.resources[`sysctl.${k}`].original, originals[k], `original of ${k} kept after crash point ${at}`);
      const plan = spawnSync(process.execPath, [bin, 'plan', config, '--root', root.dir, '--detailed-exitcode'], {encoding: 'utf8'});
      t.is(plan.status, 0, `converged after crash point ${at}`);
    } finally {
      await root.cleanup();
    }
  }
  t.log(`${points} crash points exercised`);
  t.true(points >= 20, `at least 20 crash points (got ${points})`);
});

test('two concurrent applies never interleave: the second waits for the lock', async (t) => {
  const root = await createFixtureRoot(files);
  t.teardown(() => root.cleanup());
  const config = join(root.dir, 'config.yaml');
  writeFileSync(config, documentText);
  const start = () =>
    new Promise<{code: number | null; out: string}>((resolve) => {
      const child = spawn(process.execPath, [bin, 'apply', config, '--root', root.dir, '--auto-approve', '--json', '--lock-timeout', '60']);
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.on('close', (code) => resolve({code, out}));
    });
  const [a, b] = await Promise.all([start(), start()]);
  t.is(a.code, 0);
  t.is(b.code, 0);
  const applied = [a, b].map((r) => JSON.parse(r.out.trim().split('\n').at(-1)!).applied as number).sort();
  t.deepEqual(applied, [0, keys.length], 'one apply made every change, the other found nothing left to do');
});

import test from 'ava';
import {spawn, spawnSync} from 'node:child_process';
import {readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {parseSysctlFile} from '../../src/resources/sysctl/sysctl-d.js';
import {createFixtureRoot, kernelFiles} from '../lib/fixture-root.js';

// Fault injection: SIGKILL at every crash point of a multi-change apply (COSI_TEST_CRASH_AT=N), then a plain
// re-run. Every run must end converged, with no partial file and every original value kept. The first test kills
// after each journal entry and state save; the second inside each atomic write (the temporary file half written, or
// whole and synced before its rename), and checks that every file cosi writes is then the old or a new version,
// whole, and that the re-run removes the dead process's temporary files.

const repo = join(new URL('.', import.meta.url).pathname, '../../..');
const bin = join(repo, 'bin/cosi.js');
const keys = Array.from({length: 8}, (_, i) => `net.ipv4.conf.eth${i}.forwarding`);
const desired = Object.fromEntries(keys.map((k, i) => [k, String(i % 2 === 0 ? 1 : 0)]));
const originals = Object.fromEntries(keys.map((k, i) => [k, String(i % 2 === 0 ? 0 : 1)]));
const files: Record<string, string> = {...kernelFiles};
for (const k of keys) files[`/proc/sys/${k.replace(/\./g, '/')}`] = `${originals[k]}\n`;
const documentText = [
  'apiVersion: cosi.dev/v1alpha1',
  'kind: NodeConfig',
  'metadata: {name: crash}',
  'spec:',
  '  sysctls:',
  ...keys.map((k) => `    ${k}: ${desired[k]}`),
  '',
].join('\n');

function run(root: string, config: string, env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [bin, 'apply', config, '--root', root, '--auto-approve', '--json'], {
    encoding: 'utf8',
    env: {...process.env, COSI_TEST_CRASH_POINTS: 'journal,state', ...env},
  });
}

/** temporaries lists every temporary file of an atomic write under the root (`.NAME.cosi-PID-RAND`). */
function temporaries(dir: string, under = ''): string[] {
  return readdirSync(join(dir, under), {withFileTypes: true}).flatMap((entry) => {
    const path = under ? `${under}/${entry.name}` : entry.name;
    if (entry.isDirectory()) return path === 'proc' ? [] : temporaries(dir, path);
    return /^\..+\.cosi-\d+-[0-9a-f]{8}$/.test(entry.name) ? [path] : [];
  });
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
      t.deepEqual(
        (persisted === undefined ? [] : readdirSync(join(root.dir, 'etc/sysctl.d'), {withFileTypes: true}))
          .filter((e) => e.name.includes('.cosi-'))
          .map((e) => e.name),
        [],
        'no temporary files left',
      );

      const rerun = run(root.dir, config);
      t.is(rerun.status, 0, `re-run after crash point ${at}: ${rerun.stderr}`);
      if ((await root.read('/var/lib/cosi/journal.jsonl')) !== undefined)
        t.fail('journal left after a completed apply');
      for (const k of keys) t.is((await root.read(`/proc/sys/${k.replace(/\./g, '/')}`))!.trim(), desired[k]);
      const state = JSON.parse((await root.read('/var/lib/cosi/state.json'))!);
      for (const k of keys)
        t.is(state.resources[`sysctl.${k}`].original, originals[k], `original of ${k} kept after crash point ${at}`);
      const plan = spawnSync(process.execPath, [bin, 'plan', config, '--root', root.dir, '--detailed-exitcode'], {
        encoding: 'utf8',
      });
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
      const child = spawn(process.execPath, [
        bin,
        'apply',
        config,
        '--root',
        root.dir,
        '--auto-approve',
        '--json',
        '--lock-timeout',
        '60',
      ]);
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

// Two keys keep this suite short: every atomic write of the apply (journal, state, the sysctl.d file growing from one
// line to two) has two crash points, some twenty-five kills.
const fewKeys = keys.slice(0, 2);
const fewText = [
  'apiVersion: cosi.dev/v1alpha1',
  'kind: NodeConfig',
  'metadata: {name: crash-in-write}',
  'spec:',
  '  sysctls:',
  ...fewKeys.map((k) => `    ${k}: ${desired[k]}`),
  '',
].join('\n');
const inWrites = {COSI_TEST_CRASH_POINTS: 'write-partial,write-synced'};

/** Written is what the files cosi writes hold after an apply (undefined: no such file); `lock`: the lock's PID files. */
type Written = Record<'sysctlD' | 'state' | 'journal', string | undefined> & {readonly lock: Record<string, string>};

function written(dir: string): Written {
  const read = (path: string) => {
    try {
      return readFileSync(join(dir, path), 'utf8');
    } catch {
      return undefined;
    }
  };
  let names: string[] = [];
  try {
    names = readdirSync(join(dir, 'run/cosi')).filter((name) => name.startsWith('apply.pid'));
  } catch {
    // No lock directory yet.
  }
  const lock = Object.fromEntries(names.map((name) => [name, read(`run/cosi/${name}`)!]));
  return {
    sysctlD: read('etc/sysctl.d/90-cosi.conf'),
    state: read('var/lib/cosi/state.json'),
    journal: read('var/lib/cosi/journal.jsonl'),
    lock,
  };
}

/**
 * tornIn names the files that are not a version cosi writes, whole: the sysctl.d file is its header and whole lines of
 * the final file (it grows a line per key applied); the state is JSON whose originals are the ones found; the journal
 * and the lock's PID files are whole JSON lines.
 */
function tornIn(now: Written, final: Written): string[] {
  const torn: string[] = [];
  if (now.sysctlD !== undefined) {
    const lines = final.sysctlD!.split('\n');
    if (
      !now.sysctlD.startsWith(lines[0]! + '\n') ||
      !now.sysctlD.endsWith('\n') ||
      !now.sysctlD.split('\n').every((line) => lines.includes(line))
    )
      torn.push(`90-cosi.conf ${JSON.stringify(now.sysctlD)}`);
  }
  if (now.state !== undefined) {
    try {
      const state = JSON.parse(now.state) as {version: number; resources: Record<string, {original: string}>};
      for (const [address, record] of Object.entries(state.resources))
        if (record.original !== originals[address.slice('sysctl.'.length)])
          torn.push(`state.json: original of ${address}`);
      if (state.version !== 1 || !now.state.endsWith('}\n')) torn.push('state.json');
    } catch {
      torn.push(`state.json ${JSON.stringify(now.state)}`);
    }
  }
  const lines: Array<[string, string | undefined]> = [
    ['journal.jsonl', now.journal],
    ...Object.entries(now.lock).map(([name, text]) => [`/run/cosi/${name}`, text] as [string, string]),
  ];
  for (const [name, text] of lines) {
    if (text === undefined) continue;
    try {
      if (!text.endsWith('\n')) throw new Error('no final newline');
      for (const line of text.split('\n').filter(Boolean)) JSON.parse(line);
    } catch {
      torn.push(`${name} ${JSON.stringify(text)}`);
    }
  }
  return torn;
}

test('SIGKILL inside every atomic write: each file is the old or a new version, whole; the re-run removes the temporaries', async (t) => {
  const started = Date.now();
  const reference = await createFixtureRoot(files);
  let final: Written;
  try {
    writeFileSync(join(reference.dir, 'config.yaml'), fewText);
    t.is(run(reference.dir, join(reference.dir, 'config.yaml')).status, 0);
    final = written(reference.dir);
  } finally {
    await reference.cleanup();
  }
  let points = 0;
  for (let at = 1; at < 200; at++) {
    const root = await createFixtureRoot(files);
    try {
      const config = join(root.dir, 'config.yaml');
      writeFileSync(config, fewText);
      const crashed = run(root.dir, config, {COSI_TEST_CRASH_AT: String(at), ...inWrites});
      if (crashed.signal !== 'SIGKILL') {
        t.is(crashed.status, 0, 'past the last crash point the apply completes');
        break;
      }
      points++;
      t.deepEqual(tornIn(written(root.dir), final), [], `files torn by the kill at write crash point ${at}`);
      t.is(
        temporaries(root.dir).length,
        1,
        `the kill at write crash point ${at} left the temporary file of the write it interrupted`,
      );
      for (const k of fewKeys) {
        const live = readFileSync(join(root.dir, `proc/sys/${k.replace(/\./g, '/')}`), 'utf8').trim();
        t.true(live === originals[k] || live === desired[k], `${k} at write crash point ${at}: ${live}`);
      }

      const rerun = run(root.dir, config);
      t.is(rerun.status, 0, `re-run after write crash point ${at}: ${rerun.stderr}`);
      t.deepEqual(
        temporaries(root.dir),
        [],
        `the re-run after write crash point ${at} removed the dead apply's temporary files`,
      );
      const end = written(root.dir);
      t.is(end.sysctlD, final.sysctlD);
      t.is(end.journal, undefined);
      t.deepEqual(
        Object.fromEntries(
          Object.entries(JSON.parse(end.state!).resources as Record<string, {original: string}>).map(([a, r]) => [
            a,
            r.original,
          ]),
        ),
        Object.fromEntries(fewKeys.map((k) => [`sysctl.${k}`, originals[k]])),
      );
      const plan = spawnSync(process.execPath, [bin, 'plan', config, '--root', root.dir, '--detailed-exitcode'], {
        encoding: 'utf8',
      });
      t.is(plan.status, 0, `converged after write crash point ${at}`);
    } finally {
      await root.cleanup();
    }
  }
  t.log(`${points} kills inside atomic writes in ${Math.round((Date.now() - started) / 1000)} s`);
  t.true(points >= 16, `at least 16 crash points inside writes (got ${points})`);
});

import test from 'ava';
import {spawnSync} from 'node:child_process';
import {readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {type FixtureRoot} from '../lib/fixture-root.js';
import {containerdRestarts, createRestartRoot} from '../lib/restart-root.js';

// Fault injection with an owed restart: SIGKILL at every crash point (COSI_TEST_CRASH_AT=N, journal and state) of an apply that
// changes sysctls, containerd's config.toml (owing restart:containerd.service), a CNI conflist and seccomp profiles,
// then restarts containerd; then a plain re-run. The root is one where cosi manages services: /run/systemd/system is a
// directory, and `systemctl`, `containerd` and `dpkg-query` are shell scripts run chrooted by cosi with this
// machine's dash. The fake systemctl logs each call with whether config.toml held the new setting at that moment.
// Every run must end converged, every file whole (byte for byte the file before or after), originals and backups
// kept, and containerd restarted exactly once after its config changed — also when the kill came after the config
// was written and before the restart, which only the interrupted apply's journal still knows about.

const repo = join(new URL('.', import.meta.url).pathname, '../../..');
const bin = join(repo, 'bin/cosi.js');
const shipped = readFileSync(join(repo, 'fixtures/runtime/containerd-debian-shipped.toml'), 'utf8');

const paths = {
  toml: '/etc/containerd/config.toml',
  conflist: '/etc/cni/net.d/10-pods.conflist',
  legacy: '/var/lib/kubelet/seccomp/legacy.json',
  audit: '/var/lib/kubelet/seccomp/cosi/audit.json',
  sysctlD: '/etc/sysctl.d/90-cosi.conf',
  forward: '/proc/sys/net/ipv4/ip_forward',
  swappiness: '/proc/sys/vm/swappiness',
} as const;
const backups = {
  toml: '/var/lib/cosi/backups/etc/containerd/config.toml',
  conflist: '/var/lib/cosi/backups/etc/cni/net.d/10-pods.conflist',
} as const;
const oldConflist = '{"cniVersion": "0.3.1", "name": "old", "plugins": [{"type": "bridge"}]}\n';
const oldLegacy = '{"defaultAction": "SCMP_ACT_ALLOW"}\n';

const documentText = `apiVersion: cosi.dev/v1alpha1
kind: NodeConfig
metadata: {name: crash-restarts}
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
  cni:
    networks:
      10-pods:
        cniVersion: 1.0.0
        name: pods
        plugins:
          - {type: bridge, bridge: cni0, ipam: {type: host-local, ranges: [[{subnet: 10.88.0.0/16}]]}}
  seccomp:
    profiles:
      legacy.json: {defaultAction: SCMP_ACT_ERRNO, defaultErrnoRet: 1, syscalls: [{names: [read, write], action: SCMP_ACT_ALLOW}]}
      cosi/audit.json: {defaultAction: SCMP_ACT_LOG}
`;

async function makeRoot(): Promise<FixtureRoot> {
  const root = await createRestartRoot(
    {
      [paths.conflist]: oldConflist,
      [paths.legacy]: oldLegacy,
      '/usr/lib/cni/bridge': '',
      '/usr/lib/cni/host-local': '',
    },
    ['/usr/lib/cni/bridge', '/usr/lib/cni/host-local'],
  );
  writeFileSync(join(root.dir, 'config.yaml'), documentText);
  return root;
}

// The apply's own crash points (after each journal entry and state save); those inside atomic writes are
// crash-safety.test.ts's, which checks every file after a kill there (counting them here would triple this suite).
function cosi(root: FixtureRoot, args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [bin, ...args, '--root', root.dir], {
    encoding: 'utf8',
    env: {...process.env, NO_COLOR: '1', COSI_TEST_CRASH_POINTS: 'journal,state', ...env},
  });
}

const apply = (root: FixtureRoot, env: Record<string, string> = {}) =>
  cosi(root, ['apply', join(root.dir, 'config.yaml'), '--auto-approve'], env);

/** Snapshot is what a root holds after an apply: the managed files, the backups and the originals in cosi's state. */
interface Snapshot {
  readonly files: Record<string, string | undefined>;
  readonly backups: Record<string, string | undefined>;
  readonly originals: Record<string, unknown>;
}

async function snapshot(root: FixtureRoot): Promise<Snapshot> {
  const files: Record<string, string | undefined> = {};
  for (const [name, path] of Object.entries(paths)) files[name] = await root.read(path);
  const saved: Record<string, string | undefined> = {};
  for (const [name, path] of Object.entries(backups)) saved[name] = await root.read(path);
  const state = JSON.parse((await root.read('/var/lib/cosi/state.json')) ?? '{"resources": {}}') as {
    resources: Record<string, {original: unknown}>;
  };
  return {
    files,
    backups: saved,
    originals: Object.fromEntries(
      Object.entries(state.resources).map(([address, record]) => [address, record.original]),
    ),
  };
}

function temporaries(root: FixtureRoot): string[] {
  const dirs = [
    'etc/containerd',
    'etc/cni/net.d',
    'var/lib/kubelet/seccomp',
    'var/lib/kubelet/seccomp/cosi',
    'etc/sysctl.d',
    'var/lib/cosi',
    'var/lib/cosi/backups/etc/containerd',
    'var/lib/cosi/backups/etc/cni/net.d',
  ];
  return dirs.flatMap((dir) => {
    try {
      return readdirSync(join(root.dir, dir))
        .filter((name) => name.includes('.cosi-') || name.endsWith('.tmp'))
        .map((name) => `${dir}/${name}`);
    } catch {
      return [];
    }
  });
}

let reference: Snapshot | undefined;

async function expected(): Promise<Snapshot> {
  if (reference) return reference;
  const root = await makeRoot();
  try {
    const before = await snapshot(root);
    const run = apply(root);
    if (run.status !== 0) throw new Error(`the reference apply failed: ${run.stderr}\n${run.stdout}`);
    if ((await containerdRestarts(root)).join(' ') !== 'config=new')
      throw new Error(`the reference apply restarted containerd ${JSON.stringify(await containerdRestarts(root))}`);
    reference = await snapshot(root);
    // Before and after differ for every managed file, so "whole" below is a real check.
    for (const name of Object.keys(paths))
      if (before.files[name] === reference.files[name])
        throw new Error(`${name} does not change in the reference apply`);
    return reference;
  } finally {
    await root.cleanup();
  }
}

const before: Snapshot['files'] = {
  toml: shipped,
  conflist: oldConflist,
  legacy: oldLegacy,
  audit: undefined,
  sysctlD: undefined,
  forward: '0\n',
  swappiness: '60\n',
};

/**
 * whole tells whether a managed file after a kill is byte for byte the file before or after the apply. cosi's
 * sysctl.d file grows by one whole line per key applied; /proc/sys values are written in place, without a newline.
 */
function whole(name: string, text: string | undefined, after: Snapshot): boolean {
  const final = after.files[name];
  if (text === before[name] || text === final) return true;
  if (text === undefined || final === undefined) return false;
  if (name === 'forward' || name === 'swappiness') return text.trim() === final.trim();
  if (name === 'sysctlD') {
    const lines = final.split('\n');
    return (
      text.startsWith(lines[0]! + '\n') && text.endsWith('\n') && text.split('\n').every((line) => lines.includes(line))
    );
  }
  return false;
}

test('SIGKILL at every crash point of an apply that owes a restart: the restart happens exactly once, after the config change', async (t) => {
  const after = await expected();
  t.deepEqual(Object.keys(after.originals).sort(), [
    'cni.network.10-pods',
    'runtime.containerd',
    'seccomp.profile.cosi/audit.json',
    'seccomp.profile.legacy.json',
    'sysctl.net.ipv4.ip_forward',
    'sysctl.vm.swappiness',
  ]);
  let points = 0;
  let recovered = 0;
  const started = Date.now();
  for (let at = 1; at < 200; at++) {
    const root = await makeRoot();
    try {
      const crashed = apply(root, {COSI_TEST_CRASH_AT: String(at)});
      if (crashed.signal !== 'SIGKILL') {
        t.is(crashed.status, 0, `past the last crash point the apply completes: ${crashed.stderr}`);
        t.deepEqual(await containerdRestarts(root), ['config=new']);
        break;
      }
      points++;
      const mid = await snapshot(root);
      for (const name of Object.keys(paths))
        t.true(
          whole(name, mid.files[name], after),
          `${name} after a kill at crash point ${at} is neither the file before nor after: ${JSON.stringify(mid.files[name])}`,
        );
      for (const [name, text] of Object.entries(mid.backups))
        if (text !== undefined) t.deepEqual(text, after.backups[name], `backup ${name} at crash point ${at}`);
      for (const [address, original] of Object.entries(mid.originals))
        t.deepEqual(original, after.originals[address], `original of ${address} at crash point ${at}`);
      t.deepEqual(temporaries(root), [], `no temporary files at crash point ${at}`);
      t.false((await containerdRestarts(root)).includes('config=old'), 'never a restart before the config changed');

      const rerun = apply(root);
      t.is(rerun.status, 0, `re-run after crash point ${at}:\n${rerun.stderr}\n${rerun.stdout}`);
      t.regex(
        rerun.stderr,
        /a previous apply was interrupted/,
        `the re-run after crash point ${at} reports the interrupted apply`,
      );
      // The restart came from the journal alone when the re-run had nothing left to change in config.toml.
      if (
        /restart owed by an interrupted apply/.test(rerun.stdout) &&
        !/# runtime\.containerd will be/.test(rerun.stdout)
      )
        recovered++;
      t.deepEqual(
        await containerdRestarts(root),
        ['config=new'],
        `containerd restarted exactly once, after its config changed (crash point ${at})`,
      );
      t.is(await root.read('/var/lib/cosi/journal.jsonl'), undefined, 'no journal left after a completed apply');
      const end = await snapshot(root);
      t.deepEqual(end.files, after.files, `every file as after an uninterrupted apply (crash point ${at})`);
      t.deepEqual(end.backups, after.backups, `backups kept (crash point ${at})`);
      t.deepEqual(end.originals, after.originals, `originals kept (crash point ${at})`);
      const plan = cosi(root, ['plan', join(root.dir, 'config.yaml'), '--detailed-exitcode']);
      t.is(plan.status, 0, `converged after crash point ${at}:\n${plan.stdout}`);
    } finally {
      await root.cleanup();
    }
  }
  t.log(
    `${points} crash points exercised in ${Math.round((Date.now() - started) / 1000)} s; ${recovered} re-runs carried out a restart that only the interrupted apply's journal still knew of`,
  );
  t.true(points >= 20, `at least 20 crash points (got ${points})`);
  t.true(recovered > 0, 'some kill fell between the config change and the restart');
});

interface Journaled {
  readonly event: string;
  readonly at: string;
  readonly address?: string;
  readonly changes?: readonly string[];
  readonly restarts?: ReadonlyArray<{unit: string; interrupted?: string}>;
}

async function journal(root: FixtureRoot): Promise<Journaled[]> {
  return ((await root.read('/var/lib/cosi/journal.jsonl')) ?? '')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Journaled);
}

test('a restart taken over from an interrupted apply survives a kill of the apply that carries it out', async (t) => {
  const after = await expected();
  // The kill that leaves only the restart: every other change done, the restart not started.
  let owedAt: number | undefined;
  for (let at = 1; at < 200 && owedAt === undefined; at++) {
    const root = await makeRoot();
    try {
      if (apply(root, {COSI_TEST_CRASH_AT: String(at)}).signal !== 'SIGKILL') break;
      const entries = await journal(root);
      const pending = entries[0]!.changes!.filter(
        (address) => !entries.some((e) => e.event === 'done' && e.address === address),
      );
      if (
        pending.length === 1 &&
        pending[0] === 'service.containerd' &&
        !entries.some((e) => e.event === 'start' && e.address === 'service.containerd')
      ) {
        owedAt = at;
      }
    } finally {
      await root.cleanup();
    }
  }
  t.truthy(owedAt, 'some kill leaves only the restart owed');

  let points = 0;
  for (let second = 1; second < 50; second++) {
    const root = await makeRoot();
    try {
      t.is(apply(root, {COSI_TEST_CRASH_AT: String(owedAt)}).signal, 'SIGKILL');
      const begun = (await journal(root))[0]!.at;
      const plan = cosi(root, ['plan', join(root.dir, 'config.yaml')]);
      t.regex(
        plan.stdout,
        new RegExp(
          `service\\.containerd[\\s\\S]*restart owed by an interrupted apply \\(${begun.replace(/[.]/g, '\\.')}`,
        ),
        'cosi plan shows the restart the interrupted apply owed',
      );
      const recovery = apply(root, {COSI_TEST_CRASH_AT: String(second)});
      if (recovery.signal !== 'SIGKILL') {
        t.is(recovery.status, 0, recovery.stderr);
        t.deepEqual(await containerdRestarts(root), ['config=new']);
        break;
      }
      points++;
      const entries = await journal(root);
      const carried = entries[0]?.restarts?.find((r) => r.unit === 'containerd.service');
      t.is(
        carried?.interrupted,
        begun,
        `the recovery apply's journal carries the restart, owed since the first apply began (kill ${second})`,
      );
      const last = apply(root);
      t.is(last.status, 0, `final run after kills ${owedAt} and ${second}: ${last.stderr}`);
      t.deepEqual(
        await containerdRestarts(root),
        ['config=new'],
        `containerd restarted exactly once (kills ${owedAt} and ${second})`,
      );
      const end = await snapshot(root);
      t.deepEqual(end.files, after.files);
      t.deepEqual(end.backups, after.backups);
      t.deepEqual(end.originals, after.originals);
      t.is(
        cosi(root, ['plan', join(root.dir, 'config.yaml'), '--detailed-exitcode']).status,
        0,
        `converged after kills ${owedAt} and ${second}`,
      );
    } finally {
      await root.cleanup();
    }
  }
  t.log(
    `the first apply killed at crash point ${owedAt}; the apply carrying the restart killed at each of its ${points} crash points`,
  );
  t.true(points >= 2);
});

import {spawn} from 'node:child_process';
import {readFile, stat, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import test from 'ava';
import {buildAptRepository, createDebianRoot, repoRoot, run, type DebianRoot, type Exit} from '../lib/debian-root.js';
import {denyAll} from '../../src/resources/package/apt/policy-rc-d.js';

// A SIGKILL of cosi while apt and dpkg run a package transaction, in a throw-away Debian 12 root with real apt/dpkg:
// the test package's postinst asks the policy-rc.d in force what it says about starting a service (its exit code goes
// to /tmp/policy-exit), says it started, sleeps, so the kill lands inside the transaction every time, and asks again
// (/tmp/policy-exit-end: 127 if the policy-rc.d was taken away under it). Mostly only cosi
// is killed: the orphaned apt-get finishes the transaction, and cosi's `finally` that removes its policy-rc.d never
// runs. A plain re-run must converge and leave no policy-rc.d, and an administrator's policy-rc.d must survive.

const postinst = `#!/bin/sh
set -e
if [ "$1" = configure ]; then
  rc=0; /usr/sbin/policy-rc.d cosi-slow.service start || rc=$?
  echo "$rc" > /tmp/policy-exit
  touch /tmp/postinst-started
  sleep 3
  rc=0; /usr/sbin/policy-rc.d cosi-slow.service start || rc=$?
  echo "$rc" > /tmp/policy-exit-end
fi
`;
const policyRcD = '/usr/sbin/policy-rc.d';
const marker = '/var/lib/cosi/policy-rc.d.json';
const document =
  'apiVersion: cosi.dev/v1alpha1\nkind: NodeConfig\nmetadata: {name: apt-crash}\nspec:\n  packages:\n    install:\n      cosi-slow: "1.0-1"\n';

async function debianWithSlowPackage(t: {
  teardown(fn: () => Promise<void>): void;
}): Promise<{root: DebianRoot; doc: string}> {
  const root = await createDebianRoot({suite: 'bookworm', variant: 'apt', include: []});
  t.teardown(() => root.dispose());
  await buildAptRepository(root, [{name: 'cosi-slow', version: '1.0-1', postinst}]);
  const doc = join(root.dir, 'doc.yaml');
  await writeFile(doc, document);
  return {root, doc};
}

function cosi(root: DebianRoot, ...args: string[]): Promise<Exit> {
  return run([process.execPath, join(repoRoot, 'bin/cosi.js'), ...args, '--root', root.dir, '--no-color']);
}

const exists = (root: DebianRoot, nodePath: string) =>
  stat(join(root.dir, nodePath)).then(
    () => true,
    () => false,
  );
const read = (root: DebianRoot, nodePath: string) => readFile(join(root.dir, nodePath), 'utf8').catch(() => undefined);

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * applyKilledInPostinst starts `cosi apply` in its own process group, SIGKILLs cosi alone once the postinst runs,
 * and waits until the orphaned apt-get, dpkg and postinst of the group have finished. Returns what the postinst saw.
 */
async function applyKilledInPostinst(
  root: DebianRoot,
  doc: string,
  during: () => Promise<void>,
): Promise<{policyExit: string}> {
  const child = spawn(
    process.execPath,
    [join(repoRoot, 'bin/cosi.js'), 'apply', '--auto-approve', doc, '--root', root.dir],
    {detached: true, stdio: 'ignore'},
  );
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  await until('the postinst to run', () => exists(root, '/tmp/postinst-started'));
  await during();
  child.kill('SIGKILL');
  if ((await exited) !== 'SIGKILL') throw new Error('cosi ended before the kill');
  await until('the orphaned apt-get to finish', () => !groupAlive(child.pid!));
  return {policyExit: (await read(root, '/tmp/policy-exit'))!.trim()};
}

test("SIGKILL inside an apt transaction: plan warns of cosi's policy-rc.d, a plain re-run removes it and converges", async (t) => {
  const {root, doc} = await debianWithSlowPackage(t);
  const started = Date.now();
  const seen = await applyKilledInPostinst(root, doc, async () => {
    t.is(await read(root, policyRcD), denyAll);
    t.regex(
      (await read(root, marker))!,
      /^\{"path":"\/usr\/sbin\/policy-rc\.d","sha256":"[0-9a-f]{64}"\}\n$/,
      'the marker was written before the file',
    );
  });
  t.is(seen.policyExit, '101', "the postinst ran under cosi's policy-rc.d: starting services forbidden");
  t.true(await exists(root, policyRcD), 'the kill left the policy-rc.d (this is what the next apply must recover)');
  t.regex(
    (await root.chroot(['dpkg-query', '-W', '-f', '${Version} ${db:Status-Abbrev}', 'cosi-slow'])).stdout,
    /^1\.0-1 ii/,
    'the orphaned apt-get finished the transaction',
  );

  const plan = await cosi(root, 'plan', doc, '--detailed-exitcode');
  t.is(plan.code, 0, plan.stdout + plan.stderr);
  t.regex(
    plan.stderr,
    /warning: \/usr\/sbin\/policy-rc\.d was left by an interrupted package transaction of cosi \(it forbids every service start\); cosi apply removes it/,
  );
  t.true(await exists(root, policyRcD), 'plan changes nothing');

  const rerun = await cosi(root, 'apply', '--auto-approve', doc);
  t.is(rerun.code, 0, rerun.stdout + rerun.stderr);
  t.regex(rerun.stderr, /a previous apply was interrupted during package\.cosi-slow/);
  t.regex(rerun.stderr, /note: removed \/usr\/sbin\/policy-rc\.d, left by an interrupted package transaction of cosi/);
  t.false(await exists(root, policyRcD), 'no policy-rc.d after the re-run');
  t.false(await exists(root, marker), 'no marker after the re-run');
  t.is((await root.chroot(['test', '-e', policyRcD])).code, 1);

  const converged = await cosi(root, 'plan', doc, '--detailed-exitcode');
  t.is(converged.code, 0, converged.stdout + converged.stderr);
  t.notRegex(converged.stderr, /policy-rc\.d/);
  t.log(`kill, plan, re-run and check in ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

test("SIGKILL inside an apt transaction with the administrator's policy-rc.d: it applies, and survives the re-run byte for byte", async (t) => {
  const {root, doc} = await debianWithSlowPackage(t);
  const mine = '#!/bin/sh\n# the administrator allows every start on this node\nexit 0\n';
  await root.write(policyRcD, mine, 0o755);
  const seen = await applyKilledInPostinst(root, doc, async () => {
    t.false(await exists(root, marker), 'cosi marks nothing: it places no policy-rc.d');
  });
  t.is(seen.policyExit, '0', "the postinst ran under the administrator's policy-rc.d");

  const plan = await cosi(root, 'plan', doc, '--detailed-exitcode');
  t.is(plan.code, 0, plan.stdout + plan.stderr);
  t.notRegex(plan.stderr, /policy-rc\.d/);
  const rerun = await cosi(root, 'apply', '--auto-approve', doc);
  t.is(rerun.code, 0, rerun.stdout + rerun.stderr);
  t.notRegex(rerun.stderr, /policy-rc\.d/);
  t.is(await read(root, policyRcD), mine);
  t.is((await stat(join(root.dir, policyRcD))).mode & 0o7777, 0o755);
  t.false(await exists(root, marker));
});

test('power loss inside an apt transaction (cosi, apt and dpkg all killed): the re-run finishes dpkg under the policy-rc.d, then removes it', async (t) => {
  const {root, doc} = await debianWithSlowPackage(t);
  const child = spawn(
    process.execPath,
    [join(repoRoot, 'bin/cosi.js'), 'apply', '--auto-approve', doc, '--root', root.dir],
    {detached: true, stdio: 'ignore'},
  );
  await until('the postinst to run', () => exists(root, '/tmp/postinst-started'));
  // The whole process group, as a power loss or systemd killing the unit's cgroup would: dpkg is cut off mid-run.
  process.kill(-child.pid!, 'SIGKILL');
  await until('the group to be gone', () => !groupAlive(child.pid!));
  const status = () =>
    root.chroot(['dpkg-query', '-W', '-f', '${Version} ${db:Status-Abbrev}', 'cosi-slow']).then((r) => r.stdout.trim());
  t.is(await status(), '1.0-1 iF', 'dpkg was cut off: half-configured');
  await root.chroot(['rm', '-f', '/tmp/policy-exit']);

  const plan = await cosi(root, 'plan', doc);
  t.regex(
    plan.stderr,
    /policy-rc\.d was left by an interrupted package transaction of cosi \(it forbids every service start\); cosi apply first finishes dpkg's interrupted run under it \(dpkg --configure -a\), then removes it/,
  );
  const rerun = await cosi(root, 'apply', '--auto-approve', doc);
  t.is(rerun.code, 0, rerun.stdout + rerun.stderr);
  t.regex(rerun.stderr, /note: removed \/usr\/sbin\/policy-rc\.d, left by an interrupted package transaction of cosi/);
  t.is(
    (await read(root, '/tmp/policy-exit'))?.trim(),
    '101',
    "the postinst, run again by dpkg --configure -a, ran under cosi's policy-rc.d",
  );
  t.is(await status(), '1.0-1 ii');
  t.false(await exists(root, policyRcD));
  t.false(await exists(root, marker));
  t.is((await cosi(root, 'plan', doc, '--detailed-exitcode')).code, 0);
});

test('cosi killed inside an apt transaction and run again at once: the re-run waits for the orphaned dpkg, whose postinst keeps the policy', async (t) => {
  const {root, doc} = await debianWithSlowPackage(t);
  const child = spawn(
    process.execPath,
    [join(repoRoot, 'bin/cosi.js'), 'apply', '--auto-approve', doc, '--root', root.dir],
    {detached: true, stdio: 'ignore'},
  );
  await until('the postinst to run', () => exists(root, '/tmp/postinst-started'));
  child.kill('SIGKILL');
  const rerun = await cosi(root, 'apply', '--auto-approve', doc);
  t.is(rerun.code, 0, rerun.stdout + rerun.stderr);
  t.regex(rerun.stderr, /note: removed \/usr\/sbin\/policy-rc\.d, left by an interrupted package transaction of cosi/);
  t.is(
    (await read(root, '/tmp/policy-exit-end'))?.trim(),
    '101',
    "the orphaned postinst still ran under cosi's policy-rc.d at its end",
  );
  t.regex(
    (await root.chroot(['dpkg-query', '-W', '-f', '${Version} ${db:Status-Abbrev}', 'cosi-slow'])).stdout,
    /^1\.0-1 ii/,
  );
  t.false(await exists(root, policyRcD));
  t.false(await exists(root, marker));
  await until('the orphans to be gone', () => !groupAlive(child.pid!));
});

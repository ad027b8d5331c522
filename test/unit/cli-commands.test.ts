import test from 'ava';
import {spawnSync} from 'node:child_process';
import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {createFixtureRoot, kernelFiles, type FixtureRoot} from '../lib/fixture-root.js';

const repo = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../../..');
const bin = join(repo, 'bin/cosi.js');

function cosi(args: string[], env: Record<string, string> = {}, input = '') {
  const result = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    input,
    env: {...process.env, NO_COLOR: '', ...env},
  });
  return {exitCode: result.status, stdout: result.stdout, stderr: result.stderr};
}

const documentText = `apiVersion: cosi.dev/v1alpha1
kind: NodeConfig
metadata: {name: fixture}
spec:
  sysctls:
    net.ipv4.ip_forward: 1
    vm.swappiness: "10"
`;

async function fixture(t: {teardown(fn: () => Promise<void>): void}): Promise<{root: FixtureRoot; config: string}> {
  const root = await createFixtureRoot(kernelFiles);
  t.teardown(() => root.cleanup());
  const config = join(root.dir, 'config.yaml');
  writeFileSync(config, documentText);
  return {root, config};
}

test('--version and --help', (t) => {
  const version = cosi(['--version']);
  t.is(version.exitCode, 0);
  t.regex(version.stdout, /^cosi \d+\.\d+\.\d+\n$/);
  const help = cosi(['--help']);
  t.is(help.exitCode, 0);
  t.regex(help.stdout, /^ {2}plan +show the changes/m);
  t.is(cosi([]).exitCode, 1, 'no command is a usage error');
});

test('unknown commands and options suggest the right one', (t) => {
  const command = cosi(['paln']);
  t.is(command.exitCode, 1);
  t.regex(command.stderr, /unknown command "paln"; did you mean "plan"\?/);
  const option = cosi(['plan', '--roots', '/tmp']);
  t.is(option.exitCode, 1);
  t.regex(option.stderr, /unknown option --roots; did you mean --root\?/);
});

test('plan prints a Terraform-style plan and the golden text matches', async (t) => {
  const {root, config} = await fixture(t);
  const plan = cosi(['plan', config, '--root', root.dir, '--no-color']);
  t.is(plan.exitCode, 0, plan.stderr);
  const normalized = plan.stdout.replaceAll(root.dir, '<root>');
  const golden = join(repo, 'fixtures/golden/plan-sysctl.txt');
  if (process.env.UPDATE_GOLDEN) writeFileSync(golden, normalized);
  t.is(normalized, readFileSync(golden, 'utf8'));
  t.notRegex(plan.stdout, /\u001B\[/, 'no colors with --no-color');
});

test('plan --detailed-exitcode exits 2 with changes; --json has the SPEC fields', async (t) => {
  const {root, config} = await fixture(t);
  t.is(cosi(['plan', config, '--root', root.dir, '--detailed-exitcode']).exitCode, 2);
  const json = JSON.parse(cosi(['plan', config, '--root', root.dir, '--json']).stdout);
  t.is(json.formatVersion, '1');
  t.deepEqual(Object.keys(json.changes[0]).slice(0, 7), [
    'address',
    'kind',
    'action',
    'before',
    'after',
    'reason',
    'disruption',
  ]);
  t.deepEqual(json.summary, {create: 2, update: 0, delete: 0, replace: 0});
  t.deepEqual(json.requires, {reboot: false, restart: []});
  t.regex(json.fingerprint, /^[0-9a-f]{32}$/);
});

test('apply refuses without a terminal and without --auto-approve, changing nothing', async (t) => {
  const {root, config} = await fixture(t);
  const apply = cosi(['apply', config, '--root', root.dir]);
  t.is(apply.exitCode, 1);
  t.regex(apply.stderr, /apply needs --auto-approve when standard input is not a terminal; nothing was changed/);
  t.is(await root.read('/proc/sys/net/ipv4/ip_forward'), '0\n');
});

test('apply --json prints one event per line, then a plan exits 0', async (t) => {
  const {root, config} = await fixture(t);
  const apply = cosi(['apply', config, '--root', root.dir, '--auto-approve', '--json']);
  t.is(apply.exitCode, 0, apply.stderr);
  const events = apply.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as {type: string; address?: string});
  t.deepEqual(
    events.map((e) => e.type),
    ['apply_start', 'apply_complete', 'apply_start', 'apply_complete', 'summary'],
  );
  t.is(await root.read('/proc/sys/net/ipv4/ip_forward'), '1');
  t.is(
    await root.read('/etc/sysctl.d/90-cosi.conf'),
    '# Managed by cosi (https://cosi.dev). Do not edit: changes are overwritten on the next apply.\nnet.ipv4.ip_forward = 1\nvm.swappiness = 10\n',
  );
  const state = JSON.parse((await root.read('/var/lib/cosi/state.json'))!);
  t.is(state.resources['sysctl.vm.swappiness'].original, '60');
  t.is(cosi(['plan', config, '--root', root.dir, '--detailed-exitcode']).exitCode, 0);
  t.is(cosi(['drift', config, '--root', root.dir]).exitCode, 0);
});

test('a saved plan applies exactly; a stale one is refused naming the resource', async (t) => {
  const {root, config} = await fixture(t);
  const planFile = join(root.dir, 'plan.json');
  t.is(cosi(['plan', config, '--root', root.dir, '--out', planFile]).exitCode, 0);
  await root.write('/proc/sys/vm/swappiness', '30\n');
  const stale = cosi(['apply', planFile, '--root', root.dir, '--auto-approve']);
  t.is(stale.exitCode, 1);
  t.regex(stale.stderr, /the saved plan is stale: the node changed since it was made, for sysctl\.vm\.swappiness/);
  t.is(await root.read('/proc/sys/net/ipv4/ip_forward'), '0\n', 'nothing applied');

  t.is(cosi(['plan', config, '--root', root.dir, '--out', planFile]).exitCode, 0);
  await root.write('/proc/sys/kernel/pid_max', '32768\n');
  const fresh = cosi(['apply', planFile, '--root', root.dir, '--auto-approve']);
  t.is(fresh.exitCode, 0, 'an unrelated change does not make the plan stale: ' + fresh.stderr);
  t.is(await root.read('/proc/sys/vm/swappiness'), '10');
});

test('a plan file from another cosi version is refused', async (t) => {
  const {root, config} = await fixture(t);
  const planFile = join(root.dir, 'plan.json');
  cosi(['plan', config, '--root', root.dir, '--out', planFile]);
  const saved = JSON.parse(readFileSync(planFile, 'utf8'));
  writeFileSync(planFile, JSON.stringify({...saved, cosiVersion: '0.0.1'}));
  const apply = cosi(['apply', planFile, '--root', root.dir, '--auto-approve']);
  t.is(apply.exitCode, 1);
  t.regex(apply.stderr, /refusing the saved plan: the plan was made by cosi 0\.0\.1/);
});

test('a held lock makes apply fail with the holder', async (t) => {
  const {root, config} = await fixture(t);
  await root.write('/run/cosi/apply.pid', '4242\n');
  const {mkdirSync} = await import('node:fs');
  mkdirSync(join(root.dir, 'run/cosi/apply.lock'));
  const apply = cosi(['apply', config, '--root', root.dir, '--auto-approve']);
  t.is(apply.exitCode, 1);
  t.regex(apply.stderr, /another cosi apply holds the lock \/run\/cosi\/apply\.lock \(PID 4242\)/);
});

test('facts and schema', async (t) => {
  const {root} = await fixture(t);
  await root.write('/etc/os-release', 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n');
  const facts = JSON.parse(cosi(['facts', '--root', root.dir, '--json']).stdout);
  t.is(facts.formatVersion, '1');
  t.is(facts.os.id, 'debian');
  t.is(facts.kernel.release, '6.1.0-28-amd64');
  const schema = JSON.parse(cosi(['schema']).stdout);
  t.is(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
});

test('a missing document is a diagnostic, not a stack trace', (t) => {
  const result = cosi(['plan', '/nonexistent/config.yaml']);
  t.is(result.exitCode, 1);
  t.regex(result.stderr, /^\/nonexistent\/config\.yaml:1:1: error: no such file/);
});

test('drift --textfile writes node_exporter metrics, by kind and cause', async (t) => {
  const {root, config} = await fixture(t);
  t.is(cosi(['apply', config, '--root', root.dir, '--auto-approve']).exitCode, 0);
  await root.write('/proc/sys/vm/swappiness', '60\n');
  const textfile = join(root.dir, 'metrics/cosi.prom');
  const drift = cosi(['drift', config, '--root', root.dir, '--textfile', textfile, '--json']);
  t.is(drift.exitCode, 2);
  t.deepEqual(JSON.parse(drift.stdout).differences, [{address: 'sysctl.vm.swappiness', kind: 'sysctl', cause: 'node'}]);
  const metrics = readFileSync(textfile, 'utf8');
  t.regex(metrics, /^cosi_drift_resources\{kind="sysctl",cause="node"\} 1$/m);
  t.regex(metrics, /^cosi_drift_total 1$/m);
  t.regex(metrics, /^cosi_last_successful_apply_timestamp_seconds \d+$/m);
  t.regex(metrics, /^cosi_reboot_required 0$/m);
});

test('a lock left by a kill between its mkdir and its PID file is taken over at once, not after 10 s', async (t) => {
  const {root, config} = await fixture(t);
  const {mkdirSync, readFileSync, readlinkSync} = await import('node:fs');
  // A PID that cannot be running (above the kernel's maximum), in our namespace and boot.
  const identity = {
    pid: 4194305,
    pidNamespace: readlinkSync('/proc/self/ns/pid'),
    bootId: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(),
  };
  mkdirSync(join(root.dir, 'run/cosi/apply.lock'), {recursive: true});
  await root.write('/proc/sys/kernel/random/boot_id', `${identity.bootId}\n`);
  await root.write(`/run/cosi/apply.pid.${identity.pid}`, JSON.stringify(identity));
  // apply waits for no lock (its lock timeout is 0): a lock not taken over at once, before it is 10 s old, fails it.
  const apply = cosi(['apply', config, '--root', root.dir, '--auto-approve']);
  t.is(apply.exitCode, 0, apply.stderr);
  t.is(await root.read(`/run/cosi/apply.pid.${identity.pid}`), undefined, 'the dead intent is cleaned');
});

test('a lock whose would-be holder is alive is not taken over', async (t) => {
  const {root, config} = await fixture(t);
  const {mkdirSync, readFileSync, readlinkSync} = await import('node:fs');
  const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  await root.write('/proc/sys/kernel/random/boot_id', `${bootId}\n`);
  mkdirSync(join(root.dir, 'run/cosi/apply.lock'), {recursive: true});
  // This test's own process stands for a live taker between its mkdir and its PID file.
  await root.write(
    `/run/cosi/apply.pid.${process.pid}`,
    JSON.stringify({pid: process.pid, pidNamespace: readlinkSync('/proc/self/ns/pid'), bootId}),
  );
  const apply = cosi(['apply', config, '--root', root.dir, '--auto-approve']);
  t.is(apply.exitCode, 1);
  t.regex(apply.stderr, /another cosi apply holds the lock/);
});

test('facts names the package manager by the same rule as planning: the os-release family first', async (t) => {
  const {root} = await fixture(t);
  await root.write('/etc/os-release', 'ID=fedora\nVERSION_ID=41\n');
  for (const tool of ['/usr/bin/dpkg-query', '/usr/bin/apt-get', '/usr/bin/dpkg', '/usr/bin/rpm', '/usr/bin/dnf'])
    await root.write(tool, '');
  t.is(
    JSON.parse(cosi(['facts', '--root', root.dir, '--json']).stdout).packageManager,
    'dnf',
    'a Fedora node that also carries dpkg',
  );
  await root.write('/etc/os-release', 'ID=debian\nVERSION_ID="12"\n');
  t.is(JSON.parse(cosi(['facts', '--root', root.dir, '--json']).stdout).packageManager, 'apt');
});

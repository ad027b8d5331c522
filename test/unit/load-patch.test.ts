import test from 'ava';
import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {loadDocument} from '../../src/resources/document.js';
import {runCli} from '../lib/run-cli.js';

// `--patch FILE` (repeatable): RFC 6902 patches in YAML or JSON, applied in order before validation, with
// diagnostics that point into the patch file that wrote the bad value.

const dir = mkdtempSync(join(tmpdir(), 'cosi-patch-'));
const write = (name: string, text: string): string => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};

const base = write(
  'base.yaml',
  'apiVersion: cosi.dev/v1alpha1\nkind: NodeConfig\nmetadata:\n  name: worker\nspec:\n  sysctls:\n    net.ipv4.ip_forward: 1\n    vm.swappiness: 10\n',
);

const sysctlsAfter = async (patches: string[]): Promise<unknown> => {
  const {document, diagnostics} = await loadDocument({file: base, patches});
  if (!document) throw new Error(`unexpected diagnostics: ${JSON.stringify(diagnostics)}`);
  return document.config.spec?.sysctls;
};

const appliesPatch = test.macro({
  async exec(t, patch: {name: string; text: string}, expected: Record<string, unknown>) {
    const file = write(patch.name, patch.text);
    t.deepEqual(await sysctlsAfter([file]), expected);
    const run = await runCli(['validate', base, '--patch', file]);
    t.is(run.exitCode, 0, run.stderr);
  },
  title: (title) => `applies ${title}`,
});

test(
  'a YAML patch that adds a sysctl',
  appliesPatch,
  {
    name: 'add.yaml',
    text: '# raise the conntrack table\n- op: add\n  path: /spec/sysctls/net.netfilter.nf_conntrack_max\n  value: 262144\n',
  },
  {'net.ipv4.ip_forward': 1, 'vm.swappiness': 10, 'net.netfilter.nf_conntrack_max': 262144},
);
test(
  'a JSON patch that replaces a sysctl',
  appliesPatch,
  {name: 'replace.json', text: '[{"op": "replace", "path": "/spec/sysctls/vm.swappiness", "value": 1}]\n'},
  {'net.ipv4.ip_forward': 1, 'vm.swappiness': 1},
);
test(
  'a YAML patch that removes a sysctl',
  appliesPatch,
  {name: 'remove.yaml', text: '- op: remove\n  path: /spec/sysctls/vm.swappiness\n'},
  {'net.ipv4.ip_forward': 1},
);
test(
  'a slash-form key escaped in the pointer',
  appliesPatch,
  {name: 'slash.yaml', text: '- op: add\n  path: /spec/sysctls/net~1ipv6~1conf~1eth0.100~1disable_ipv6\n  value: 1\n'},
  {'net.ipv4.ip_forward': 1, 'vm.swappiness': 10, 'net/ipv6/conf/eth0.100/disable_ipv6': 1},
);

/** PatchFailure is a patch the CLI must refuse, with the diagnostic it must print. */
interface PatchFailure {
  readonly name: string;
  readonly text: string;
  readonly at: string;
  readonly message: string;
}

const rejectsPatch = test.macro({
  async exec(t, c: PatchFailure) {
    const file = write(c.name, c.text);
    const run = await runCli(['validate', base, '--patch', file]);
    t.is(run.exitCode, 1);
    const line = run.stderr.split('\n').find((l) => l.startsWith(`${file}:${c.at}: error: `));
    t.truthy(line, run.stderr);
    t.true(line?.includes(c.message), run.stderr);
    t.notRegex(run.stderr, /\n\s+at .*\(|at file:\/\//);
  },
  title: (_, c: PatchFailure) => `rejects ${c.name}`,
});

const failures: PatchFailure[] = [
  {
    name: 'invalid-value.yaml',
    text: '# block floppy, misspelt\n- op: add\n  path: /spec/sysctls/vm.overcommit_memory\n  value: 1\n- op: add\n  path: /spec/modules\n  value:\n    br_netfilter: {}\n    floppy: { state: blockd }\n',
    at: '9:22',
    message: 'found the string "blockd"; did you mean "blocked"? (at spec.modules.floppy.state)',
  },
  {
    name: 'invalid-value.json',
    text: '[\n  {\n    "op": "add",\n    "path": "/spec/sysctls/net.ipv4.ip_forward",\n    "value": true\n  }\n]\n',
    at: '5:14',
    message: 'expected string or integer, found boolean true',
  },
  {
    name: 'unknown-key.yaml',
    text: '- op: add\n  path: /spec/services\n  value:\n    kubelet: { enabled: true, stat: running }\n',
    at: '4:31',
    message: 'unknown key "stat"; did you mean "state"?',
  },
  {
    name: 'failing-test.json',
    text: '[\n  {"op": "test", "path": "/spec/sysctls/vm.swappiness", "value": 60},\n  {"op": "replace", "path": "/spec/sysctls/vm.swappiness", "value": 1}\n]\n',
    at: '2:3',
    message: '`test` failed',
  },
  {
    name: 'not-a-list.yaml',
    text: 'op: add\npath: /spec/sysctls/vm.swappiness\nvalue: 1\n',
    at: '1:1',
    message: 'a patch file must hold a list of RFC 6902 operations',
  },
  {
    name: 'missing-path.yaml',
    text: '- op: add\n  path: /spec/sysctls/vm.swappiness\n  value: 1\n- op: replace\n  path: /spec/services/kubelet/state\n  value: running\n',
    at: '4:3',
    message: 'patch operation 1 (replace /spec/services/kubelet/state)',
  },
  {
    name: 'remove-missing.yaml',
    text: '- op: remove\n  path: /spec/sysctls/kernel.panic\n',
    at: '1:3',
    message: 'patch operation 0 (remove /spec/sysctls/kernel.panic)',
  },
  {
    name: 'bad-op.yaml',
    text: '- op: merge\n  path: /spec/sysctls\n  value: {}\n',
    at: '1:3',
    message: 'expected `op` to be one of add, remove, replace, move, copy, test, found "merge"',
  },
  {
    name: 'syntax.yaml',
    text: '- op: add\n  path: /spec/sysctls/a\n  value: [1, 2\n',
    at: '4:1',
    message: 'Flow sequence',
  },
];

for (const c of failures) test.serial(rejectsPatch, c);

test('patches apply in command-line order', async (t) => {
  const one = write('order-1.yaml', '- op: add\n  path: /spec/sysctls/vm.swappiness\n  value: 1\n');
  const five = write('order-5.json', '[{"op": "replace", "path": "/spec/sysctls/vm.swappiness", "value": 5}]');
  const isFive = write('order-test-5.yaml', '- op: test\n  path: /spec/sysctls/vm.swappiness\n  value: 5\n');
  t.is(((await sysctlsAfter([one, five])) as Record<string, unknown>)['vm.swappiness'], 5);
  t.is(((await sysctlsAfter([five, one])) as Record<string, unknown>)['vm.swappiness'], 1);
  t.is((await runCli(['validate', base, '--patch', one, '--patch', five, '--patch', isFive])).exitCode, 0);
  const reversed = await runCli(['validate', base, '--patch', five, '--patch', one, '--patch', isFive]);
  t.is(reversed.exitCode, 1);
  t.regex(
    reversed.stderr,
    /order-test-5\.yaml:1:3: error: patch operation 0 \(test \/spec\/sysctls\/vm\.swappiness\): `test` failed/,
  );
});

test('a later patch that writes a bad value is blamed, not the earlier one', async (t) => {
  const good = write('blame-good.yaml', '- op: add\n  path: /spec/modules\n  value: { floppy: { state: blocked } }\n');
  const bad = write('blame-bad.yaml', '- op: replace\n  path: /spec/modules/floppy/state\n  value: unloaded\n');
  const run = await runCli(['validate', base, '--patch', good, '--patch', bad]);
  t.is(run.exitCode, 1);
  t.regex(
    run.stderr,
    new RegExp(
      `^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:10: error: expected one of loaded, blocked, found the string "unloaded"`,
      'm',
    ),
  );
});

test('a missing patch file is a diagnostic', async (t) => {
  const run = await runCli(['validate', base, '--patch', join(dir, 'nope.yaml')]);
  t.is(run.exitCode, 1);
  t.regex(run.stderr, /nope\.yaml:1:1: error: no such file/);
});

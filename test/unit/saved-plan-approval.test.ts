import test from 'ava';
import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {approvalProblem, type SavedPlan} from '../../src/engine/saved-plan.js';
import type {Change} from '../../src/plan/change.js';
import {runCliSync} from '../lib/run-cli.js';
import {createFixtureRoot, kernelFiles, type FixtureRoot} from '../lib/fixture-root.js';

// A saved plan is an approval, not a program (SPEC §5): apply plans afresh and carries out the fresh plan only if it
// equals the saved one. Each tampering below once reached a path, a file's content or a command line.

const cosi = (args: string[]) => runCliSync(args);

const documentText =
  'apiVersion: cosi.dev/v1alpha1\nkind: NodeConfig\nmetadata: {name: n}\nspec:\n  sysctls:\n    vm.swappiness: 10\n    net.ipv4.ip_forward: 1\n';

async function saved(t: {
  teardown(fn: () => Promise<void>): void;
}): Promise<{root: FixtureRoot; planFile: string; plan: SavedPlan}> {
  const root = await createFixtureRoot({...kernelFiles, '/etc/passwd': 'root:x:0:0::/root:/bin/sh\n'});
  t.teardown(() => root.cleanup());
  const doc = join(root.dir, 'doc.yaml');
  writeFileSync(doc, documentText);
  const planFile = join(root.dir, 'node.plan');
  const made = cosi(['plan', doc, '--root', root.dir, '--out', planFile]);
  if (made.exitCode !== 0) throw new Error(made.stderr);
  return {root, planFile, plan: JSON.parse(readFileSync(planFile, 'utf8')) as SavedPlan};
}

type Data = Record<string, unknown>;
type Mutable<T> = {-readonly [K in keyof T]: T[K]};
const tamperings: Array<
  [string, (plan: {changes: Array<Mutable<Change> & {data: Data}>; fingerprint: string}) => void, RegExp]
> = [
  [
    'data.procPath pointed at /etc/passwd',
    (p) => void (p.changes[0]!.data['procPath'] = '/etc/passwd'),
    /differ from what cosi plans now for sysctl\./,
  ],
  [
    'data.persist with a newline that injects kernel.core_pattern',
    (p) => void (p.changes[0]!.data['persist'] = '10\nkernel.core_pattern = |/tmp/pwn'),
    /differ from what cosi plans now for sysctl\./,
  ],
  ['the fingerprint', (p) => void (p.fingerprint = '0'.repeat(32)), /probed state changed since the plan was made/],
  [
    'an added change',
    (p) =>
      void p.changes.push({
        ...p.changes[0]!,
        address: 'sysctl.kernel.core_pattern',
        data: {...p.changes[0]!.data, procPath: '/proc/sys/kernel/core_pattern', write: '|/tmp/pwn'},
      }),
    /stale: the node changed since it was made, for sysctl\.kernel\.core_pattern/,
  ],
  ['a removed change', (p) => void p.changes.pop(), /needs changes the saved plan does not approve: sysctl\./],
  ['the order of the changes', (p) => void p.changes.reverse(), /another order/],
  ['after', (p) => void (p.changes[0]!.after = '99'), /differ from what cosi plans now/],
];

for (const [what, tamper, message] of tamperings) {
  test(`a saved plan with tampered ${what} is refused and changes nothing`, async (t) => {
    const {root, planFile, plan} = await saved(t);
    tamper(plan as never);
    writeFileSync(planFile, JSON.stringify(plan));
    const before = {passwd: await root.read('/etc/passwd'), swappiness: await root.read('/proc/sys/vm/swappiness')};
    const apply = cosi(['apply', planFile, '--root', root.dir, '--auto-approve']);
    t.is(apply.exitCode, 1, apply.stdout);
    t.regex(apply.stderr, /refusing the saved plan: /);
    t.regex(apply.stderr, message);
    t.regex(apply.stderr, /nothing was changed/);
    t.deepEqual(
      {passwd: await root.read('/etc/passwd'), swappiness: await root.read('/proc/sys/vm/swappiness')},
      before,
    );
    t.is(await root.read('/etc/sysctl.d/90-cosi.conf'), undefined);
    t.is(await root.read('/var/lib/cosi/state.json'), undefined);
  });
}

test('an untampered saved plan is carried out; a plan file that is not a plan is refused by name', async (t) => {
  const {root, planFile, plan} = await saved(t);
  const apply = cosi(['apply', planFile, '--root', root.dir, '--auto-approve']);
  t.is(apply.exitCode, 0, apply.stderr);
  t.is((await root.read('/proc/sys/vm/swappiness'))?.trim(), '10');
  writeFileSync(planFile, JSON.stringify({...plan, node: 'x'}));
  const bad = cosi(['apply', planFile, '--root', root.dir, '--auto-approve']);
  t.is(bad.exitCode, 1);
  t.regex(bad.stderr, /not a valid cosi plan file \(node is not an object\)/);
  t.notRegex(bad.stderr, /internal error/);
});

test('approvalProblem: package transaction names edited in a saved plan are refused (the -oDPkg::Pre-Invoke attack)', (t) => {
  const change = (names: string[]): Change => ({
    address: 'package.curl',
    kind: 'package',
    action: 'create',
    before: null,
    after: '*',
    reason: 'missing',
    disruption: 'none',
    dependsOn: [],
    inputs: 'i',
    data: {transaction: {names}},
  });
  const fresh = {changes: [change(['curl'])], noops: [], fingerprint: 'f'};
  const base = {
    formatVersion: '1',
    type: 'cosi-plan',
    cosiVersion: 'x',
    createdAt: '',
    node: {id: 'n', root: '/'},
    document: {file: 'd', json: '{}'},
    fingerprint: 'f',
  } as const;
  t.is(approvalProblem({...base, changes: [change(['curl'])]}, fresh), undefined);
  t.regex(
    approvalProblem({...base, changes: [change(['-oDPkg::Pre-Invoke::=touch /tmp/pwn'])]}, fresh)!,
    /differ from what cosi plans now for package\.curl/,
  );
});

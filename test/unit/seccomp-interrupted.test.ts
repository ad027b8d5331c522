import test from 'ava';
import type {NodeConfig} from '../../src/config/generated/types.js';
import {loadState, saveState, withRecord} from '../../src/engine/state.js';
import {createHost} from '../../src/host/host.js';
import type {Provider} from '../../src/engine/provider.js';
import {seccompProvider} from '../../src/resources/seccomp/provider.js';
import {createFixtureRoot} from '../lib/fixture-root.js';
import {providerRun} from '../lib/provider-run.js';

// A seccomp profile that replaces a file cosi found: the engine keeps that file's content before the first write, so
// a kill before or after the write loses nothing, the next plan records what was written, and removal restores it.

const path = '/var/lib/kubelet/seccomp/audit.json';
const found = '{ "defaultAction": "SCMP_ACT_ALLOW" }\n';
const spec: NodeConfig['spec'] = {seccomp: {profiles: {'audit.json': {defaultAction: 'SCMP_ACT_LOG'}}}};
const noCommands = async () => ({
  exitCode: 127,
  timedOut: false,
  stdout: '',
  stderr: 'no commands here',
  started: false,
});
const {plan, apply} = providerRun([seccompProvider]);

for (const written of [false, true]) {
  test(`seccomp profile: killed after the original was kept, ${written ? 'after' : 'before'} the write: recorded, restored byte for byte`, async (t) => {
    const root = await createFixtureRoot({[path]: found});
    t.teardown(() => root.cleanup());
    const host = createHost({root: root.dir, runner: noCommands});
    const first = (await plan(host, spec)).changes.find((c) => c.address === 'seccomp.profile.audit.json')!;
    t.deepEqual(first.original, {path, content: found}, 'the first write carries the file as found');
    const now = new Date().toISOString();
    const state = withRecord(await loadState(host), first.address, {
      original: first.original,
      applied: null,
      since: now,
      updated: now,
    });
    await saveState(host, state);
    // The engine's view of the provider: it applies any planned change of its kind.
    const provider: Provider = seccompProvider;
    if (written) await provider.apply({host, change: first, state});

    const next = await plan(host, spec);
    t.deepEqual(
      next.diagnostics.filter((d) => d.severity === 'error'),
      [],
    );
    t.is(next.changes.find((c) => c.address === first.address)?.action, 'update');
    await apply(host, spec);
    t.not((await loadState(host)).resources[first.address]?.applied, null, 'what cosi wrote is recorded');
    t.deepEqual((await plan(host, spec)).changes, [], 'converged');
    await apply(host, {});
    t.is(await root.read(path), found, 'removal from the document restores the file byte for byte');
  });
}

import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import test from 'ava';
import type {NodeConfig} from '../../src/config/generated/types.js';
import {applyChanges} from '../../src/engine/apply-changes.js';
import {makePlan} from '../../src/engine/make-plan.js';
import type {Provider} from '../../src/engine/provider.js';
import {loadState, saveState, withRecord} from '../../src/engine/state.js';
import {createHost, type Host} from '../../src/host/host.js';
import {cniNetworkProvider} from '../../src/resources/cni/provider.js';
import {documentSections} from '../../src/resources/registry.js';
import {runtimeProvider} from '../../src/resources/runtime/provider.js';
import {desiredFrom} from '../lib/document.js';
import {createFixtureRoot, type FixtureRoot} from '../lib/fixture-root.js';

// Before a change that starts managing a resource, the engine saves the original it found (`applied: null`), so a
// crash never loses it. A kill can then come before or after the provider's write. Either way the next plan must
// keep the backup of a file cosi replaces, record what it wrote, and restore the file byte for byte later.

const shipped = readFileSync(
  join(dirname(fileURLToPath(import.meta.url)), '../../../fixtures/runtime/containerd-debian-shipped.toml'),
  'utf8',
);
const noCommands = async () => ({
  exitCode: 127,
  timedOut: false,
  stdout: '',
  stderr: 'no commands here',
  started: false,
});

interface Scenario {
  readonly name: string;
  readonly provider: Provider;
  readonly address: string;
  readonly path: string;
  readonly backup: string;
  readonly found: string;
  readonly spec: NodeConfig['spec'];
}

const scenarios: Scenario[] = [
  {
    name: 'runtime (containerd config.toml)',
    provider: runtimeProvider,
    address: 'runtime.containerd',
    path: '/etc/containerd/config.toml',
    backup: '/var/lib/cosi/backups/etc/containerd/config.toml',
    found: shipped,
    spec: {
      runtime: {
        engine: 'containerd',
        settings: {
          plugins: {'io.containerd.grpc.v1.cri': {containerd: {runtimes: {runc: {options: {SystemdCgroup: true}}}}}},
        },
      },
    },
  },
  {
    name: 'cni.network (a conflist)',
    provider: cniNetworkProvider,
    address: 'cni.network.10-pods',
    path: '/etc/cni/net.d/10-pods.conflist',
    backup: '/var/lib/cosi/backups/etc/cni/net.d/10-pods.conflist',
    found: '{"cniVersion": "0.3.1", "name": "old", "plugins": [{"type": "bridge"}]}\n',
    spec: {cni: {networks: {'10-pods': {cniVersion: '1.0.0', name: 'pods', plugins: [{type: 'bridge'}]}}}},
  },
];

const plan = async (host: Host, s: Scenario, spec: NodeConfig['spec']) =>
  makePlan({
    host,
    desired: desiredFrom(spec),
    state: await loadState(host),
    providers: [s.provider],
    sections: documentSections,
  });

async function apply(host: Host, s: Scenario, spec: NodeConfig['spec']) {
  const planned = await plan(host, s, spec);
  const result = await applyChanges({
    host,
    changes: planned.changes,
    state: await loadState(host),
    providers: [s.provider],
  });
  if (result.failed) throw new Error(result.failed.message);
  return planned;
}

/** interrupt leaves the node as a kill would after the engine kept the original; `written` also runs the provider's write. */
async function interrupt(host: Host, s: Scenario, written: boolean): Promise<void> {
  const first = await plan(host, s, s.spec);
  const change = first.changes.find((c) => c.address === s.address)!;
  if (change.original === undefined)
    throw new Error(`${s.address}: the first change carries no original for the engine to keep`);
  const now = new Date().toISOString();
  const state = withRecord(await loadState(host), s.address, {
    original: change.original,
    applied: null,
    since: now,
    updated: now,
  });
  await saveState(host, state);
  if (written) await s.provider.apply({host, change, state});
}

for (const s of scenarios) {
  for (const written of [false, true]) {
    test(`${s.name}: killed after the original was kept, ${written ? 'after' : 'before'} the write: backup kept, recorded, restored byte for byte`, async (t) => {
      const root: FixtureRoot = await createFixtureRoot({[s.path]: s.found});
      t.teardown(() => root.cleanup());
      const host = createHost({root: root.dir, runner: noCommands});
      await interrupt(host, s, written);

      const next = await plan(host, s, s.spec);
      t.deepEqual(
        next.diagnostics.filter((d) => d.severity === 'error'),
        [],
      );
      const change = next.changes.find((c) => c.address === s.address);
      t.is(change?.action, 'update', `${s.address} is planned (to write or to record what was written)`);
      if (written) t.regex(change!.reason, /interrupted before it was recorded/);
      await apply(host, s, s.spec);
      t.is(await root.read(s.backup), s.found, 'the backup holds the file cosi found');
      t.not((await loadState(host)).resources[s.address]?.applied, null, 'what cosi wrote is recorded');
      t.deepEqual(
        (await plan(host, s, s.spec)).changes.filter((c) => c.address === s.address),
        [],
        'converged',
      );

      await apply(host, s, {});
      t.is(await root.read(s.path), s.found, 'removal from the document restores the file byte for byte');
      t.is(await root.read(s.backup), undefined, 'and drops the backup');
    });
  }
}

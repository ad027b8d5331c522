import type {TestFn} from 'ava';
import type {NodeConfig} from '../../src/config/generated/types.js';
import {applyChanges} from '../../src/engine/apply-changes.js';
import {driftCause} from '../../src/engine/drift-cause.js';
import {makePlan} from '../../src/engine/make-plan.js';
import type {Provider} from '../../src/engine/provider.js';
import {loadState} from '../../src/engine/state.js';
import type {CommandRunner} from '../../src/host/command.js';
import {createHost, type Host} from '../../src/host/host.js';
import type {Plan} from '../../src/plan/plan.js';
import {documentSections} from '../../src/resources/registry.js';
import {desiredFrom} from './document.js';
import {createFixtureRoot, type FixtureRoot} from './fixture-root.js';

/**
 * ConformanceScenario describes one resource kind to the provider conformance suite: a fixture root, a spec that
 * creates resources, a change made behind cosi's back, and a check that removal restored what cosi found.
 */
export interface ConformanceScenario {
  readonly name: string;
  readonly provider: Provider;
  readonly files: Record<string, string>;
  readonly spec: NodeConfig['spec'];
  /** Changes the node behind cosi's back; `driftedAddress` must then be planned as an update. */
  readonly outsideChange: (root: FixtureRoot) => Promise<void>;
  readonly driftedAddress: string;
  /**
   * A changed document (same resources, other values): `address` must then be planned as an update caused by the
   * document. `null` for a kind whose document has only one value (`swap: {enabled: false}`), said explicitly.
   */
  readonly documentChange: {readonly spec: NodeConfig['spec']; readonly address: string} | null;
  /** The spec after the resources were removed from the document. */
  readonly removedSpec: NodeConfig['spec'];
  /** Asserts that the node is back to what cosi found. */
  readonly assertRestored: (root: FixtureRoot) => Promise<void>;
  /** Stands in for the node's commands (a boot loader's tool, a parser); by default every command fails to start. */
  readonly runner?: (root: FixtureRoot) => CommandRunner;
}

async function plan(host: Host, provider: Provider, spec: NodeConfig['spec']): Promise<Plan> {
  return makePlan({
    host,
    desired: desiredFrom(spec),
    state: await loadState(host),
    providers: [provider],
    sections: documentSections,
  });
}

async function apply(host: Host, provider: Provider, spec: NodeConfig['spec']): Promise<Plan> {
  const planned = await plan(host, provider, spec);
  const result = await applyChanges({
    host,
    changes: planned.changes,
    state: await loadState(host),
    providers: [provider],
  });
  if (result.failed) throw new Error(`apply failed at ${result.failed.change.address}: ${result.failed.message}`);
  return planned;
}

/**
 * conformance registers the shared provider tests: create; no-op (nothing written) after apply; drift detected
 * after an outside change (cause `node`) and repaired by apply; a document change is drift caused by the
 * `document`; removal from the document restores the original state.
 */
export function conformance(test: TestFn, scenario: ConformanceScenario): void {
  const withRoot = async (body: (root: FixtureRoot, host: Host) => Promise<void>) => {
    const root = await createFixtureRoot(scenario.files);
    try {
      const runner: CommandRunner =
        scenario.runner?.(root) ??
        (async () => ({
          exitCode: 127,
          timedOut: false,
          stdout: '',
          stderr: 'no commands in fixture roots',
          started: false,
        }));
      await body(root, createHost({root: root.dir, runner}));
    } finally {
      await root.cleanup();
    }
  };

  test(`${scenario.name}: conformance: create, then no changes and no writes`, (t) =>
    withRoot(async (_root, host) => {
      const first = await plan(host, scenario.provider, scenario.spec);
      t.deepEqual(first.diagnostics, []);
      t.true(first.changes.length > 0, 'the first plan creates resources');
      t.true(
        first.changes.every((c) => c.action === 'create'),
        'a fresh node gets only creates',
      );
      await apply(host, scenario.provider, scenario.spec);
      const writes = host.stats.writes;
      const second = await plan(host, scenario.provider, scenario.spec);
      t.deepEqual(second.changes, [], 'apply, probe again, plan again: no changes');
      t.is(host.stats.writes, writes, 'probing and planning write nothing');
      const again = await applyChanges({
        host,
        changes: [...second.noops],
        state: await loadState(host),
        providers: [scenario.provider],
      });
      const before = host.stats.writes;
      t.is(again.applied.length, second.noops.length);
      t.deepEqual((await plan(host, scenario.provider, scenario.spec)).changes, []);
      t.is(host.stats.writes, before, 'nothing more to write');
    }));

  test(`${scenario.name}: conformance: drift is detected and repaired`, (t) =>
    withRoot(async (root, host) => {
      await apply(host, scenario.provider, scenario.spec);
      await scenario.outsideChange(root);
      const drifted = await plan(host, scenario.provider, scenario.spec);
      t.deepEqual(
        drifted.changes.map((c) => [c.address, c.action]),
        [[scenario.driftedAddress, 'update']],
      );
      const state = await loadState(host);
      t.deepEqual(
        drifted.changes.map((c) => driftCause(state, c)),
        ['node'],
        "a change behind cosi's back is drift caused by the node",
      );
      await apply(host, scenario.provider, scenario.spec);
      t.deepEqual((await plan(host, scenario.provider, scenario.spec)).changes, []);
    }));

  const documentChange = scenario.documentChange;
  if (documentChange)
    test(`${scenario.name}: conformance: drift after a document change is caused by the document`, (t) =>
      withRoot(async (_root, host) => {
        await apply(host, scenario.provider, scenario.spec);
        const changed = await plan(host, scenario.provider, documentChange.spec);
        const state = await loadState(host);
        const change = changed.changes.find((c) => c.address === documentChange.address);
        t.truthy(change, `${documentChange.address} is planned: ${changed.changes.map((c) => c.address).join(', ')}`);
        t.is(change!.action, 'update');
        t.deepEqual(
          changed.changes.map((c) => [c.address, driftCause(state, c)]),
          changed.changes.map((c) => [c.address, 'document']),
        );
      }));

  test(`${scenario.name}: conformance: removal restores what cosi found`, (t) =>
    withRoot(async (root, host) => {
      await apply(host, scenario.provider, scenario.spec);
      const removal = await plan(host, scenario.provider, scenario.removedSpec);
      t.true(removal.changes.length > 0 && removal.changes.every((c) => c.action === 'delete'));
      await apply(host, scenario.provider, scenario.removedSpec);
      await scenario.assertRestored(root);
      t.deepEqual((await plan(host, scenario.provider, scenario.removedSpec)).changes, []);
      t.deepEqual((await loadState(host)).resources, {}, 'cosi no longer manages the removed resources');
    }));
}

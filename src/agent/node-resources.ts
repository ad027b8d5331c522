import type {CosiState} from '../engine/state.js';
import type {Change} from '../plan/change.js';
import type {Plan} from '../plan/plan.js';
import {bootView} from '../resources/sysctl/boot-view.js';
import type {LiveSysctl, SysctlObserved} from '../resources/sysctl/probe.js';
import type {ResourceBody} from './resource.js';
import type {TypeDefinition} from './resource-types.js';

/** Labels the agent sets (SPEC §7). */
export const kindLabel = 'cosi.dev/kind';
export const managedLabel = 'cosi.dev/managed';

/** SysctlStatusSpec is a SysctlStatuses resource's spec: the three views of a kernel parameter, and whether cosi manages it. */
export interface SysctlStatusSpec {
  readonly key: string;
  readonly live: string | null;
  readonly liveState: LiveSysctl['state'];
  readonly persisted: string | null;
  readonly boot: {readonly value: string; readonly file: string; readonly line: number} | null;
  readonly managed: boolean;
}

/** sysctlStatus maps one probed key to its resource. `managed`: cosi's state has a record of it. */
export function sysctlStatus(request: {
  name: string;
  live: LiveSysctl;
  observed: Pick<SysctlObserved, 'persisted' | 'bootFiles'>;
  state: CosiState;
  boot?: ReturnType<typeof bootView>;
}): ResourceBody {
  const {name, live, observed, state} = request;
  const boot = (request.boot ?? bootView(observed.bootFiles)).value(name);
  const managed = state.resources[`sysctl.${name}`] !== undefined;
  const spec: SysctlStatusSpec = {
    key: name,
    live: live.state === 'present' ? live.value : null,
    liveState: live.state,
    persisted: observed.persisted[name]?.value ?? null,
    boot: boot ? {value: boot.value, file: boot.file, line: boot.line} : null,
    managed,
  };
  return {
    namespace: 'node',
    type: 'SysctlStatuses.cosi.dev',
    id: name,
    labels: {[kindLabel]: 'sysctl', [managedLabel]: String(managed)},
    spec,
  };
}

/** sysctlStatuses maps a sysctl probe (the keys the document sets or cosi manages) to resources. */
export function sysctlStatuses(observed: SysctlObserved, state: CosiState): ResourceBody[] {
  const boot = bootView(observed.bootFiles);
  return Object.entries(observed.live).map(([name, live]) => sysctlStatus({name, live, observed, state, boot}));
}

/**
 * kindStatuses maps the plan's view of one resource kind (a change or a no-op per declared or managed resource) to
 * that kind's status resources: what the probe observed (`observed`, the change's before), what the document wants,
 * and whether they match. The id is the resource's name (the address without the kind).
 */
export function kindStatuses(definition: TypeDefinition, plan: Plan, state: CosiState): ResourceBody[] {
  const kind = definition.kind!;
  const all = [...plan.changes, ...plan.noops].filter((c) => c.kind === kind);
  const byAddress = new Map<string, Change>();
  for (const c of all) if (!byAddress.has(c.address)) byAddress.set(c.address, c);
  return [...byAddress.values()].map((c) => {
    const managed = state.resources[c.address] !== undefined;
    return {
      namespace: 'node',
      type: definition.type,
      id: c.address.slice(kind.length + 1),
      labels: {[kindLabel]: kind, [managedLabel]: String(managed)},
      spec: {
        address: c.address,
        observed: c.before ?? null,
        desired: c.after ?? null,
        matches: c.action === 'noop',
        managed,
      },
    };
  });
}

/** planChanges maps the plan's changes to the `plan` namespace: one resource per address. */
export function planChanges(plan: Plan): ResourceBody[] {
  const seen = new Set<string>();
  const bodies: ResourceBody[] = [];
  for (const c of plan.changes) {
    if (seen.has(c.address)) continue;
    seen.add(c.address);
    bodies.push({
      namespace: 'plan',
      type: 'Changes.cosi.dev',
      id: c.address,
      labels: {[kindLabel]: c.kind, 'cosi.dev/action': c.action, 'cosi.dev/disruption': c.disruption},
      spec: {
        action: c.action,
        before: c.before ?? null,
        after: c.after ?? null,
        reason: c.reason,
        disruption: c.disruption,
      },
    });
  }
  return bodies;
}

/** nodeConfig is the `config` namespace's one resource: the document's text as it is on disk. */
export function nodeConfig(text: string, file: string): ResourceBody {
  return {
    namespace: 'config',
    type: 'NodeConfigs.cosi.dev',
    id: 'current',
    labels: {},
    spec: {file, text},
    yamlText: text,
  };
}

/** nodeFacts is the NodeFacts resource: what `cosi facts --json` prints. */
export function nodeFacts(facts: Record<string, unknown>): ResourceBody {
  return {namespace: 'node', type: 'NodeFacts.cosi.dev', id: 'node', labels: {}, spec: facts};
}

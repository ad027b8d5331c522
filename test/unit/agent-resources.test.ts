import test from 'ava';
import {metaResources} from '../../src/agent/meta-resources.js';
import {kindStatuses, planChanges, sysctlStatuses} from '../../src/agent/node-resources.js';
import {holdForReboot} from '../../src/agent/reboot-hold.js';
import {resolveType, typeDefinitions} from '../../src/agent/resource-types.js';
import {loadWire} from '../../src/agent/state-wire.js';
import {emptyState} from '../../src/engine/state.js';
import type {Change} from '../../src/plan/change.js';
import type {Plan} from '../../src/plan/plan.js';

const change = (address: string, kind: Change['kind'], extra: Partial<Change> = {}): Change => ({
  address,
  kind,
  action: 'update',
  before: {live: '0'},
  after: {live: '1'},
  reason: 'test',
  disruption: 'none',
  dependsOn: [],
  inputs: '',
  ...extra,
});
const plan = (changes: Change[], noops: Change[] = []): Plan => ({
  changes,
  noops,
  bootNotes: [],
  conditions: [],
  diagnostics: [],
  unsupported: [],
  fingerprint: '',
});

test('sysctl statuses: live, persisted, boot (and the file deciding it), managed, with the labels of SPEC §7', (t) => {
  const state = {
    ...emptyState,
    resources: {'sysctl.net.ipv4.ip_forward': {original: '0', applied: '1', since: '', updated: ''}},
  };
  const bodies = sysctlStatuses(
    {
      kernel: '6.1',
      live: {
        'net.ipv4.ip_forward': {state: 'present', value: '1', raw: '1'},
        'vm.swappiness': {state: 'present', value: '60', raw: '60'},
        'net.nope': {state: 'missing'},
      },
      persisted: {'net.ipv4.ip_forward': {key: 'net.ipv4.ip_forward', value: '1'}},
      bootFiles: [
        {
          path: '/usr/lib/sysctl.d/50-default.conf',
          assignments: [{key: 'vm.swappiness', value: '30', line: 3, glob: false}],
        },
        {
          path: '/etc/sysctl.d/90-cosi.conf',
          assignments: [{key: 'net.ipv4.ip_forward', value: '1', line: 2, glob: false}],
        },
      ],
    } as never,
    state as never,
  );
  t.deepEqual(
    bodies.map((b) => [b.id, b.spec, b.labels]),
    [
      [
        'net.ipv4.ip_forward',
        {
          key: 'net.ipv4.ip_forward',
          live: '1',
          liveState: 'present',
          persisted: '1',
          boot: {value: '1', file: '/etc/sysctl.d/90-cosi.conf', line: 2},
          managed: true,
        },
        {'cosi.dev/kind': 'sysctl', 'cosi.dev/managed': 'true'},
      ],
      [
        'vm.swappiness',
        {
          key: 'vm.swappiness',
          live: '60',
          liveState: 'present',
          persisted: null,
          boot: {value: '30', file: '/usr/lib/sysctl.d/50-default.conf', line: 3},
          managed: false,
        },
        {'cosi.dev/kind': 'sysctl', 'cosi.dev/managed': 'false'},
      ],
      [
        'net.nope',
        {key: 'net.nope', live: null, liveState: 'missing', persisted: null, boot: null, managed: false},
        {'cosi.dev/kind': 'sysctl', 'cosi.dev/managed': 'false'},
      ],
    ],
  );
});

test('plan changes: one resource per address, with action, before, after, reason, disruption', (t) => {
  const bodies = planChanges(
    plan([change('sysctl.a', 'sysctl'), change('module.b', 'module', {disruption: 'reboot', action: 'create'})]),
  );
  t.deepEqual(
    bodies.map((b) => [b.namespace, b.type, b.id]),
    [
      ['plan', 'Changes.cosi.dev', 'sysctl.a'],
      ['plan', 'Changes.cosi.dev', 'module.b'],
    ],
  );
  t.deepEqual(bodies[1]!.spec, {
    action: 'create',
    before: {live: '0'},
    after: {live: '1'},
    reason: 'test',
    disruption: 'reboot',
  });
  t.is(bodies[1]!.labels['cosi.dev/kind'], 'module');
  t.deepEqual(planChanges(plan([])), []);
});

test('kind statuses come from the plan: changes and no-ops of the kind, ids without the kind', (t) => {
  const definition = typeDefinitions.find((d) => d.type === 'ModuleStatuses.cosi.dev')!;
  const bodies = kindStatuses(
    definition,
    plan(
      [change('module.br_netfilter', 'module')],
      [change('module.overlay', 'module', {action: 'noop'}), change('sysctl.x', 'sysctl')],
    ),
    emptyState,
  );
  t.deepEqual(
    bodies.map((b) => [b.id, (b.spec as {matches: boolean}).matches]),
    [
      ['br_netfilter', false],
      ['overlay', true],
    ],
  );
});

test('types resolve by name, lower-case name and alias', (t) => {
  t.is(resolveType('sysctls')!.type, 'SysctlStatuses.cosi.dev');
  t.is(resolveType('SysctlStatuses.cosi.dev')!.namespace, 'node');
  t.is(resolveType('sysctlstatuses')!.type, 'SysctlStatuses.cosi.dev');
  t.is(resolveType('changes')!.namespace, 'plan');
  t.is(resolveType('nope'), undefined);
});

test('meta resources carry the specification protobuf specs, which decode back', (t) => {
  const wire = loadWire();
  const {namespaces, definitions} = metaResources(wire.encode);
  t.deepEqual(namespaces.map((n) => n.id).sort(), ['config', 'meta', 'node', 'plan']);
  const sysctls = definitions.find((d) => d.id === 'sysctlstatuses.cosi.dev')!;
  const decoded = wire.decode('cosi.resource.meta.ResourceDefinitionSpec', sysctls.protoSpec!);
  t.is(decoded['resource_type'], 'SysctlStatuses.cosi.dev');
  t.is(decoded['default_namespace'], 'node');
  t.true((decoded['aliases'] as string[]).includes('sysctls'));
});

test('a change owing a reboot is held back, with what depends on it; the rest is applied', (t) => {
  const {apply, held} = holdForReboot([
    change('module.a', 'module', {disruption: 'reboot'}),
    change('sysctl.b', 'sysctl', {dependsOn: ['module.a']}),
    change('service.c', 'service', {dependsOn: ['sysctl.b']}),
    change('sysctl.d', 'sysctl'),
  ]);
  t.deepEqual(
    apply.map((c) => c.address),
    ['sysctl.d'],
  );
  t.deepEqual(
    held.map((c) => c.address),
    ['module.a', 'sysctl.b', 'service.c'],
  );
});

test('the wire: Resource field numbers as in the specification (metadata 1, spec 2; version 4; yaml_spec 2)', (t) => {
  const wire = loadWire();
  const bytes = wire.encode('cosi.resource.Resource', {metadata: {version: '7'}, spec: {yaml_spec: 'a: 1\n'}});
  // metadata (field 1, length-delimited) holding version (field 4), then spec (field 2) holding yaml_spec (field 2).
  t.deepEqual([...bytes], [0x0a, 3, 0x22, 1, 0x37, 0x12, 7, 0x12, 5, ...Buffer.from('a: 1\n')]);
});

// deploy/kubernetes/ as Kubernetes reads it: Debian's kubectl (kubernetes-client) renders the kustomize base and
// its overlays, and every rendered object validates offline against Kubernetes' own OpenAPI definitions (the
// swagger.json of Debian's golang-k8s-kube-openapi-dev). Then what no schema says: the DaemonSets run the image
// `npm run dist` builds with SPEC §7's agent flags, probe the port --metrics gives, reach every node once, mount a
// document cosi validates; the node-problem-detector config is valid for its Go types and its plugin maps
// `cosi drift` (the real executable, on a fixture root) to the plugin protocol; a ConfigMap volume's layout is
// accepted as the document's directory when mounted read-only, as the kubelet mounts it.
import test from 'ava';
import {chmod, mkdtemp, mkdir, readFile, rm, symlink, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {run} from '../lib/debian-root.js';
import {createFixtureRoot, kernelFiles} from '../lib/fixture-root.js';
import {loadKubernetesSchemas} from '../lib/kubernetes/openapi-schemas.js';
import {admits, deployDir, kubectl, kustomize, only, type K8sObject} from '../lib/kubernetes/manifests.js';
import {cosiVersion, releaseArtifact} from '../lib/release.js';
import {runCli} from '../lib/run-cli.js';

const kustomizations = ['base', 'overlays/gpu-pool', 'overlays/node-problem-detector'] as const;
const rendered = new Map<string, K8sObject[]>();
const render = async (dir: (typeof kustomizations)[number]) => {
  if (!rendered.has(dir)) rendered.set(dir, (await kustomize(dir)).objects);
  return rendered.get(dir)!;
};
const agentOf = (ds: K8sObject) => (ds.spec.template.spec.containers as K8sObject[]).find((c) => c.name === 'agent')!;

test.before(async (t) => {
  const version = await run([kubectl, 'version', '--client']);
  t.log(`${kubectl}: ${version.stdout.trim()}`);
});

test('kubectl kustomize renders the base and its overlays; every object validates against Kubernetes OpenAPI', async (t) => {
  const started = Date.now();
  const schemas = loadKubernetesSchemas();
  t.log(`Kubernetes OpenAPI ${schemas.version}`);
  for (const dir of kustomizations) {
    const objects = await render(dir);
    t.log(`${dir}: ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(' ')}`);
    for (const object of objects)
      t.deepEqual(schemas.validate(object), [], `${dir}: ${object.kind}/${object.metadata.name}`);
    for (const object of objects)
      if (object.kind !== 'Namespace' && object.kind !== 'ClusterRoleBinding')
        t.is(object.metadata.namespace, 'cosi-system', `${dir}: ${object.kind}/${object.metadata.name}'s namespace`);
  }
  // The validator is not vacuous: a misspelt field, a wrong type and a missing required field are errors.
  const ds = structuredClone(only(await render('base'), 'DaemonSet'));
  ds.spec.template.spec.hostPid = true;
  ds.spec.template.spec.containers[0].ports[0].containerPort = '9477';
  delete ds.spec.selector;
  const errors = schemas.validate(ds).join('\n');
  t.regex(errors, /hostPid/);
  t.regex(errors, /containerPort: must be integer/);
  t.regex(errors, /selector/);
  t.log(`render and validate: ${Date.now() - started} ms`);
});

test('the DaemonSets run the image npm run dist builds as `cosi agent --root /host`, privileged, on the node', async (t) => {
  const archive = releaseArtifact('image');
  const index = JSON.parse((await run(['tar', '-xOf', archive, './index.json'])).stdout) as {
    manifests: {annotations: Record<string, string>}[];
  };
  const reference = index.manifests[0]!.annotations['org.opencontainers.image.ref.name'];
  t.is(reference, `cosi:${cosiVersion}`, "the archive's reference name");
  for (const dir of kustomizations) {
    for (const ds of (await render(dir)).filter((o) => o.kind === 'DaemonSet')) {
      const pod = ds.spec.template.spec;
      const agent = agentOf(ds);
      t.is(agent.image, reference, `${dir}: the agent's image is the archive's`);
      const args = agent.args as string[];
      t.deepEqual(args.slice(0, 2), ['agent', '/etc/cosi/document/config.yaml']);
      const flag = (name: string) => args[args.indexOf(name) + 1];
      t.is(flag('--root'), '/host');
      t.regex(flag('--interval') ?? '', /^\d+[smh]$/);
      t.true(['apply', 'plan'].includes(flag('--mode') ?? ''));
      const metricsPort = Number(/:(\d+)$/.exec(flag('--metrics') ?? '')?.[1]);
      for (const probe of [agent.livenessProbe, agent.readinessProbe]) {
        t.is(probe.httpGet.path, '/healthz');
        const port = (agent.ports as {name: string; containerPort: number}[]).find(
          (p) => p.name === probe.httpGet.port,
        );
        t.is(port?.containerPort ?? probe.httpGet.port, metricsPort, `${dir}: a probe on the --metrics port`);
      }
      t.true(agent.securityContext.privileged);
      t.true(pod.hostPID && pod.hostNetwork);
      t.deepEqual(pod.tolerations, [{operator: 'Exists'}], 'every taint tolerated');
      t.truthy(agent.resources.requests && agent.resources.limits);
      t.is(ds.spec.updateStrategy.type, 'RollingUpdate');
      const volume = (name: string) => (pod.volumes as K8sObject[]).find((v) => v.name === name);
      const mount = (path: string) => (agent.volumeMounts as K8sObject[]).find((m) => m.mountPath === path);
      t.is(volume(mount('/host')!.name)?.hostPath.path, '/');
      t.is(volume(mount('/host/run/cosi')!.name)?.hostPath.path, '/run/cosi', 'the sockets on the node');
      const documentMount = mount('/etc/cosi/document')!;
      t.true(documentMount.readOnly);
      const configMapName = volume(documentMount.name)?.configMap.name as string;
      const configMap = only(await render(dir), 'ConfigMap', configMapName);
      t.deepEqual(Object.keys(configMap.data), ['config.yaml'], `${dir}: the document ConfigMap holds config.yaml`);
    }
  }
});

test('base and gpu-pool: each node gets one agent; the pools select disjoint pods and apply documents cosi validates', async (t) => {
  const base = only(await render('base'), 'DaemonSet');
  const gpuObjects = await render('overlays/gpu-pool');
  const gpu = only(gpuObjects, 'DaemonSet');
  t.not(base.metadata.name, gpu.metadata.name, 'both can be applied side by side');
  const nodes: [Record<string, string>, string[]][] = [
    [{'kubernetes.io/os': 'linux'}, ['cosi']],
    [{'kubernetes.io/os': 'linux', 'node-role.kubernetes.io/control-plane': ''}, ['cosi']],
    [{'kubernetes.io/os': 'linux', 'cosi.dev/pool': 'gpu'}, ['cosi-gpu']],
    [{'kubernetes.io/os': 'windows'}, []],
  ];
  for (const [labels, expected] of nodes)
    t.deepEqual(
      [base, gpu].filter((ds) => admits(ds.spec.template.spec, labels)).map((ds) => ds.metadata.name as string),
      expected,
      JSON.stringify(labels),
    );
  const selects = (ds: K8sObject, pod: K8sObject) =>
    Object.entries(ds.spec.selector.matchLabels as Record<string, string>).every(
      ([k, v]) => pod.spec.template.metadata.labels[k] === v,
    );
  t.true(selects(base, base) && selects(gpu, gpu));
  t.false(selects(base, gpu) || selects(gpu, base), "neither DaemonSet's selector matches the other's pods");

  const dir = await mkdtemp(join(tmpdir(), 'cosi-k8s-docs-'));
  t.teardown(() => rm(dir, {recursive: true, force: true}));
  for (const [name, objects, ds] of [
    ['base', await render('base'), base],
    ['gpu-pool', gpuObjects, gpu],
  ] as const) {
    const volume = (ds.spec.template.spec.volumes as K8sObject[]).find((v) => v.name === 'document')!;
    const file = join(dir, `${name}.yaml`);
    await writeFile(file, only(objects, 'ConfigMap', volume.configMap.name).data['config.yaml']);
    const validate = await runCli(['validate', file]);
    t.is(validate.exitCode, 0, `${name}: ${validate.stderr}`);
  }
  t.not(
    only(await render('base'), 'ConfigMap').data['config.yaml'],
    only(gpuObjects, 'ConfigMap', 'cosi-document-gpu').data['config.yaml'],
    'the pool has its own document',
  );
});

/** imageFiles lists the regular files and links of an OCI image archive's layers (paths without the leading ./). */
async function imageFiles(archive: string): Promise<Set<string>> {
  const dir = await mkdtemp(join(tmpdir(), 'cosi-image-'));
  try {
    await run(['tar', '-xf', archive, '-C', dir]);
    const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as {manifests: {digest: string}[]};
    const blob = (digest: string) => join(dir, 'blobs/sha256', digest.replace(/^sha256:/, ''));
    const manifest = JSON.parse(await readFile(blob(index.manifests[0]!.digest), 'utf8')) as {
      layers: {digest: string}[];
    };
    const files = new Set<string>();
    for (const layer of manifest.layers)
      for (const path of (await run(['tar', '-tzf', blob(layer.digest)])).stdout.split('\n'))
        if (path && !path.endsWith('/')) files.add(path.replace(/^\.\//, ''));
    return files;
  } finally {
    await rm(dir, {recursive: true, force: true});
  }
}

// Go's time.ParseDuration, as node-problem-detector parses its durations.
const goDuration = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;
const seconds = (d: string) =>
  [...d.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)].reduce(
    (sum, [, n, unit]) =>
      sum + Number(n) * {ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600}[unit as 'ns'],
    0,
  );

test('node-problem-detector: the monitor config is valid for its Go types and its plugin and the cosi it runs are in the pod', async (t) => {
  const objects = await render('overlays/node-problem-detector');
  const ds = only(objects, 'DaemonSet');
  const pod = ds.spec.template.spec;
  const npd = (pod.containers as K8sObject[]).find((c) => c.name === 'node-problem-detector')!;
  const configFlag = (npd.command as string[]).find((a) => a.startsWith('--config.custom-plugin-monitor='))!;
  const configPath = configFlag.split('=')[1]!;
  // The file node-problem-detector reads: a key of the ConfigMap mounted at its directory.
  const mountOfPath = (c: K8sObject, path: string) =>
    (c.volumeMounts as K8sObject[]).find((m) => path.startsWith(`${m.mountPath}/`))!;
  const volumeOf = (name: string) => (pod.volumes as K8sObject[]).find((v) => v.name === name)!;
  const configMount = mountOfPath(npd, configPath);
  const configVolume = volumeOf(configMount.name).configMap;
  const configMap = only(objects, 'ConfigMap', configVolume.name);
  const keyOf = (path: string) => path.slice(configMount.mountPath.length + 1);
  const monitor = JSON.parse(configMap.data[keyOf(configPath)]) as {
    plugin: string;
    pluginConfig: Record<string, unknown>;
    source: string;
    conditions: {type: string; reason: string; message: string}[];
    rules: {type: string; condition: string; reason: string; path: string; args?: string[]; timeout?: string}[];
  };
  // CustomPluginConfig.Validate and ApplyConfiguration (pkg/custompluginmonitor/types/config.go).
  t.is(monitor.plugin, 'custom');
  t.truthy(monitor.source);
  const known = [
    'invoke_interval',
    'timeout',
    'max_output_length',
    'concurrency',
    'enable_message_change_based_condition_update',
    'skip_initial_status',
  ];
  t.deepEqual(
    Object.keys(monitor.pluginConfig).filter((k) => !known.includes(k)),
    [],
  );
  const global = String(monitor.pluginConfig.timeout);
  t.regex(global, goDuration);
  t.regex(String(monitor.pluginConfig.invoke_interval), goDuration);
  for (const condition of monitor.conditions) t.truthy(condition.type && condition.reason && condition.message);
  t.true(monitor.rules.length > 0);
  for (const rule of monitor.rules) {
    t.true(['permanent', 'temporary'].includes(rule.type));
    if (rule.timeout)
      t.true(goDuration.test(rule.timeout) && seconds(rule.timeout) <= seconds(global), 'within the global timeout');
    if (rule.type === 'permanent')
      t.true(
        monitor.conditions.some((c) => c.type === rule.condition),
        'a default condition',
      );
    // The plugin: an executable key of the same ConfigMap (NPD stats the path and runs it).
    t.is(mountOfPath(npd, rule.path).name, configMount.name);
    t.truthy(configMap.data[keyOf(rule.path)], `${rule.path} is in the ConfigMap`);
    t.is(configVolume.defaultMode & 0o111, 0o111, 'mounted executable');
    const syntax = await run(['bash', '-n'], {input: configMap.data[keyOf(rule.path)]});
    t.is(syntax.code, 0, syntax.stderr);
  }
  // What the plugin runs: the cosi the init container copies out of cosi's image, the node's root, the document.
  const init = (pod.initContainers as K8sObject[])[0]!;
  t.is(init.image, agentOf(ds).image);
  const [cp, source, target] = init.command as string[];
  const files = await imageFiles(releaseArtifact('image'));
  t.true(files.has(cp!.slice(1)), `${cp} is in the image`);
  t.true(files.has(source!.slice(1)), `${source} is in the image`);
  t.is(mountOfPath(init, target!).name, mountOfPath(npd, '/opt/cosi/bin/cosi').name, 'the executable is shared');
  t.is(target, '/opt/cosi/bin/cosi');
  t.is(volumeOf(mountOfPath(npd, '/host/etc').name).hostPath.path, '/');
  t.is(mountOfPath(npd, '/etc/cosi/document/config.yaml').name, 'document');
  t.is(npd.env.find((e: K8sObject) => e.name === 'NODE_NAME')?.valueFrom.fieldRef.fieldPath, 'spec.nodeName');
  t.is(pod.serviceAccountName, only(objects, 'ServiceAccount').metadata.name);
  t.is(only(objects, 'ClusterRoleBinding').roleRef.name, 'system:node-problem-detector');
});

test("the plugin turns cosi drift's exit codes into the plugin protocol's: in sync 0, drift 1, error 2", async (t) => {
  const executable = releaseArtifact('executable');
  const plugin = join(deployDir, 'overlays/node-problem-detector/cosi-drift.sh');
  const root = await createFixtureRoot(kernelFiles);
  t.teardown(() => root.cleanup());
  const header = 'apiVersion: cosi.dev/v1alpha1\nkind: NodeConfig\nmetadata:\n  name: worker\n';
  const cases: [string, string, number, RegExp][] = [
    ['in sync', `${header}spec: {}\n`, 0, /^the node matches its cosi document$/],
    [
      'drift',
      `${header}spec:\n  sysctls:\n    vm.swappiness: 10\n`,
      1,
      /^the node differs from its cosi document: sysctl\.vm\.swappiness$/,
    ],
    ['error', `${header}spec:\n  sysctl: {}\n`, 2, /^cosi drift failed: .*unknown key "sysctl"/],
  ];
  for (const [name, document, code, message] of cases) {
    await root.write('/etc/cosi/document/config.yaml', document);
    const result = await run(['bash', plugin], {
      env: {COSI: executable, COSI_ROOT: root.dir, COSI_DOCUMENT: join(root.dir, 'etc/cosi/document/config.yaml')},
    });
    t.log(`${name}: exit ${result.code}: ${result.stdout.trim()}`);
    t.is(result.code, code, name);
    t.regex(result.stdout.trim(), message);
  }
});

test('a document in a ConfigMap volume (a mode 0777 directory, the ..data symlink) is read when mounted read-only', async (t) => {
  const volume = await mkdtemp(join(tmpdir(), 'cosi-configmap-'));
  const mountPoint = await mkdtemp(join(tmpdir(), 'cosi-configmap-mount-'));
  t.teardown(() => Promise.all([rm(volume, {recursive: true, force: true}), rm(mountPoint, {recursive: true})]));
  // The kubelet's layout (pkg/volume/util/atomic_writer.go, emptyDir's 0777 for the volume's directory).
  await chmod(volume, 0o777);
  const stamp = '..2026_12_01_12_00_00.1234567890';
  await mkdir(join(volume, stamp), {mode: 0o755});
  await writeFile(join(volume, stamp, 'config.yaml'), only(await render('base'), 'ConfigMap').data['config.yaml'], {
    mode: 0o644,
  });
  await symlink(stamp, join(volume, '..data'));
  await symlink('..data/config.yaml', join(volume, 'config.yaml'));
  const writable = await runCli(['validate', join(volume, 'config.yaml')]);
  t.is(writable.exitCode, 1);
  t.regex(writable.stderr, /writable by others without the sticky bit \(mode 0777\)/);
  // In a mount namespace of its own: the volume bind-mounted read-only, as in the container.
  const readOnly = await run([
    'unshare',
    '--mount',
    'sh',
    '-c',
    'mount --bind "$1" "$2" && mount -o remount,bind,ro "$2" && exec "$3" "$4" validate "$2/config.yaml"',
    'sh',
    volume,
    mountPoint,
    process.execPath,
    join(deployDir, '../../bin/cosi.js'),
  ]);
  t.is(readOnly.code, 0, readOnly.stderr);
  t.regex(readOnly.stderr, /valid NodeConfig "default-pool"/);
});

// The OCI image (dist/release/cosi-VERSION.oci.tar) as the DaemonSet runs it, on a real Debian 12 node in a qemu VM:
// podman (Debian's, from the local apt repository) loads the archive and runs it privileged in the host's PID and
// network namespaces with the node's / at /host; `cosi apply --root /host` changes the VM's own kernel and services
// and a second plan is empty. Then the image runs `cosi agent` exactly as deploy/kubernetes/'s DaemonSet does (its
// podman flags derived from the rendered DaemonSet), with its document in a directory laid out and updated as the
// kubelet does a ConfigMap volume's. One boot (docs/testing-vm.md).
import test, {type ExecutionContext} from 'ava';
import {kustomize, only} from '../lib/kubernetes/manifests.js';
import {podmanRun, withFlag, type PodmanRun} from '../lib/kubernetes/podman-args.js';
import {fileDisk} from '../lib/vm/file-disk.js';
import {bootNode, sh} from '../lib/vm/node-session.js';
import type {Vm} from '../lib/vm/vm.js';
import {cosiVersion, releaseArtifact} from '../lib/release.js';

const archive = releaseArtifact('image');
const documentPath = '/root/node.yaml';
const document = `apiVersion: cosi.dev/v1alpha1
kind: NodeConfig
metadata:
  name: vm-image
spec:
  modules:
    br_netfilter: {}
  sysctls:
    net.bridge.bridge-nf-call-iptables: 1
    vm.swappiness: 13
  services:
    cosi-demo: { enabled: true, state: running }
`;
// A unit the node has, disabled and stopped, for the document to enable and start.
const demoUnit =
  '[Unit]\nDescription=cosi image test\n[Service]\nExecStart=/bin/sleep infinity\n[Install]\nWantedBy=multi-user.target\n';
// How the DaemonSet runs the image (deploy/kubernetes/): privileged, host PID and network, the node's / at /host.
const daemonSet = ['podman', 'run', '--rm', '--privileged', '--pid=host', '--network=host', '-v', '/:/host'];

test('the image, run as the DaemonSet runs it, applies a document to the node it runs on; a second plan is empty', async (t) => {
  const started = Date.now();
  const disk = await fileDisk('cosi-image', [archive]);
  t.teardown(() => disk.dispose());
  const vm = await bootNode(t, {repo: true, extraDisks: [disk.disk]});
  await vm.runOk(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', 'podman', 'curl'], {
    timeoutMs: 600_000,
    env: {DEBIAN_FRONTEND: 'noninteractive'},
  });
  await sh(vm, `mkdir -p /mnt/image && mount -o ro LABEL=${disk.label} /mnt/image`);
  const loaded = await sh(vm, `podman load -q -i /mnt/image/${archive.split('/').at(-1)}`);
  t.log(`podman load: ${loaded}`);
  const image = /Loaded image(?:\(s\))?: (\S+)/.exec(loaded)?.[1];
  if (!image) throw new Error(`podman load named no image: ${loaded}`);
  t.is(
    await sh(vm, `podman image inspect --format '{{index .Labels "org.opencontainers.image.version"}}' ${image}`),
    cosiVersion,
  );
  t.deepEqual(JSON.parse(await sh(vm, `podman image inspect --format '{{json .Config.Entrypoint}}' ${image}`)), [
    '/usr/bin/cosi',
  ]);
  const listing = await vm.runOk([
    'podman',
    'run',
    '--rm',
    '--entrypoint',
    '/bin/ls',
    image,
    '-1',
    '/bin',
    '/usr/bin',
    '/usr/sbin',
  ]);
  t.true(listing.stdout.split('\n').includes('chroot'), 'chroot(8), which cosi runs commands through under --root');
  t.false(listing.stdout.split('\n').includes('node'), 'the image has no Node.js');

  await vm.writeFile('/etc/systemd/system/cosi-demo.service', demoUnit);
  await vm.runOk(['systemctl', 'daemon-reload']);
  await vm.writeFile(documentPath, document);
  const before = await sh(
    vm,
    'sysctl -n vm.swappiness; systemctl is-enabled cosi-demo; systemctl is-active cosi-demo || true; grep -c ^br_netfilter /proc/modules || true',
  );
  t.deepEqual(before.split('\n'), ['60', 'disabled', 'inactive', '0'], 'the fresh node differs from the document');

  const apply = await vm.run(
    [...daemonSet, image, 'apply', '--auto-approve', '--no-color', '--root', '/host', `/host${documentPath}`],
    {timeoutMs: 600_000},
  );
  t.log(`apply in the container -> exit ${apply.exitCode}\n${apply.stdout}${apply.stderr}`);
  t.is(apply.exitCode, 0, apply.stderr);
  const after = await sh(
    vm,
    'sysctl -n vm.swappiness net.bridge.bridge-nf-call-iptables; systemctl is-enabled cosi-demo; systemctl is-active cosi-demo; grep -c ^br_netfilter /proc/modules',
  );
  t.deepEqual(after.split('\n'), ['13', '1', 'enabled', 'active', '1'], "the VM's own kernel and services changed");
  t.regex(
    await vm.readFile('/etc/sysctl.d/90-cosi.conf'),
    /vm\.swappiness = 13/,
    'persisted on the node, not in the container',
  );

  const plan = await vm.run(
    [...daemonSet, image, 'plan', '--detailed-exitcode', '--no-color', '--root', '/host', `/host${documentPath}`],
    {timeoutMs: 600_000},
  );
  t.log(`second plan in the container -> exit ${plan.exitCode}\n${plan.stdout}${plan.stderr}`);
  t.is(plan.exitCode, 0, 'nothing left to change');

  await daemonSetAgent(t, vm);
  t.log(`suite: ${((Date.now() - started) / 1000).toFixed(0)} s`);
});

// The agent's documents: A at start (a sysctl and a module parameter to apply), B after the ..data swap (a sysctl
// that owes nothing, and a new parameter of a module in use, which owes a reboot).
const agentDocument = (swappiness: number, hashsize: number) => `apiVersion: cosi.dev/v1alpha1
kind: NodeConfig
metadata:
  name: vm-image-agent
spec:
  modules:
    br_netfilter: {}
    nf_conntrack: { parameters: { hashsize: ${hashsize} } }
  sysctls:
    net.bridge.bridge-nf-call-iptables: 1
    vm.swappiness: ${swappiness}
    net.ipv4.ip_forward: 1
`;
// Where the kubelet would keep the pod's ConfigMap volume.
const volumeDir = '/var/lib/kubelet/pods/cosi/volumes/kubernetes.io~configmap/document';
// The agent's interval in the test (the DaemonSet's 5m would make the suite wait minutes for an interval). The
// agent waits it after a reconcile ends; a reconcile takes 5-15 s under TCG, hence the slack below.
const reconcileSlack = 30;
const testInterval = 15;

/**
 * project writes a ConfigMap's data into its volume directory as the kubelet's AtomicWriter does
 * (pkg/volume/util/atomic_writer.go): a new timestamped directory (0755) with the files, a `..data_tmp` symlink to
 * it renamed over `..data` (the one atomic step), the user-visible `config.yaml -> ..data/config.yaml`, the old
 * directory removed. The volume's own directory is emptyDir's, mode 0777.
 */
async function project(vm: Vm, document: string, stamp: string): Promise<void> {
  const ts = `..${stamp}`;
  await sh(vm, `mkdir -p '${volumeDir}' && chmod 0777 '${volumeDir}' && mkdir -m 0755 '${volumeDir}/${ts}'`);
  await vm.writeFile(`${volumeDir}/${ts}/config.yaml`, document);
  await sh(
    vm,
    [
      `cd '${volumeDir}'`,
      `chmod 0644 '${ts}/config.yaml'`,
      'old=$(readlink ..data || true)',
      `ln -s '${ts}' ..data_tmp`,
      'mv -T ..data_tmp ..data',
      '[ -L config.yaml ] || ln -s ..data/config.yaml config.yaml',
      '[ -z "$old" ] || rm -rf "$old"',
    ].join(' && '),
  );
}

/** waitFor polls a guest shell condition every 2 s until it holds; returns the seconds it took. */
async function waitFor(vm: Vm, what: string, script: string, timeoutS: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    if ((await vm.run(['sh', '-c', script])).exitCode === 0) return (Date.now() - started) / 1000;
    if (Date.now() - started > timeoutS * 1000) {
      const logs = await vm.run(['sh', '-c', 'podman logs --tail 40 cosi-agent 2>&1 || true']);
      throw new Error(`${what}: not within ${timeoutS} s; the agent's last log lines:\n${logs.stdout}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

/** startAgent runs the agent container detached, as the kubelet would start the DaemonSet's pod. */
async function startAgent(t: ExecutionContext, vm: Vm, run: PodmanRun, args: string[], healthz: string) {
  await sh(vm, run.createDirs.map((d) => `mkdir -p '${d}'`).join(' && '));
  const argv = [...run.flags, '-d', '--name=cosi-agent', run.image, ...args];
  t.log(`$ ${argv.join(' ')}`);
  await vm.runOk(argv, {timeoutMs: 300_000});
  t.log(`healthz after ${(await waitFor(vm, 'healthz', `curl -fsS ${healthz}`, 300)).toFixed(0)} s`);
}

/** stopAgent stops it as the kubelet does (SIGTERM, the grace period), and checks that it stopped cleanly. */
async function stopAgent(t: ExecutionContext, vm: Vm) {
  const started = Date.now();
  await vm.runOk(['podman', 'stop', 'cosi-agent'], {timeoutMs: 300_000});
  t.is(await sh(vm, "podman inspect --format '{{.State.ExitCode}}' cosi-agent"), '0', 'SIGTERM: exit 0');
  t.log(
    `stop: ${((Date.now() - started) / 1000).toFixed(1)} s; last log lines:\n${await sh(vm, 'podman logs --tail 5 cosi-agent 2>&1')}`,
  );
  await vm.runOk(['podman', 'rm', 'cosi-agent']);
  t.is(await sh(vm, 'ls -A /run/cosi'), '', 'its sockets removed');
}

const metric = (text: string, name: string, labels = '') =>
  Number(new RegExp(`^${name}${labels ? `\\{${labels}\\}` : ''} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

/**
 * daemonSetAgent: the image runs `cosi agent` with the rendered DaemonSet's security context, mounts and args;
 * the document swapped in the kubelet's way is applied within one interval, except the change that owes a reboot
 * (reboot-required written, nothing of it applied); a change behind cosi's back is corrected within one interval
 * (--mode apply) and shows as drift in /metrics (--mode plan).
 */
async function daemonSetAgent(t: ExecutionContext, vm: Vm) {
  const objects = (await kustomize('base')).objects;
  const ds = only(objects, 'DaemonSet');
  const configMap = ds.spec.template.spec.volumes.find((v: {configMap?: unknown}) => v.configMap).configMap.name;
  const run = podmanRun(ds, 'agent', {[configMap]: volumeDir});
  const agent = ds.spec.template.spec.containers.find((c: {name: string}) => c.name === 'agent');
  const port = agent.ports.find((p: {name: string}) => p.name === agent.livenessProbe.httpGet.port).containerPort;
  const healthz = `http://127.0.0.1:${port}${agent.livenessProbe.httpGet.path}`;
  const metricsUrl = `http://127.0.0.1:${port}/metrics`;
  const interval = run.args[run.args.indexOf('--interval') + 1]!;
  const args = withFlag(run.args, '--interval', `${testInterval}s`);

  // nf_conntrack may be loaded and in use already (the container runs above): document A keeps its hashsize.
  const hashsize = Number(await sh(vm, 'cat /sys/module/nf_conntrack/parameters/hashsize 2>/dev/null || echo 131072'));
  t.log(`nf_conntrack hashsize before the agent: ${hashsize}`);
  await project(vm, agentDocument(23, hashsize), '2026_12_01_12_00_00.000000001');
  t.is(await sh(vm, `stat -c %a '${volumeDir}'`), '777', "the volume's directory is emptyDir's");
  await sh(
    vm,
    'sysctl -w net.ipv4.ip_forward=0 >/dev/null; rm -f /var/run/reboot-required /var/run/reboot-required.pkgs',
  );
  let started = Date.now();
  await startAgent(t, vm, run, args, healthz);
  await waitFor(
    vm,
    'document A applied at start',
    `[ "$(sysctl -n vm.swappiness net.ipv4.ip_forward | tr "\\n" " ")" = "23 1 " ] && [ "$(cat /sys/module/nf_conntrack/parameters/hashsize)" = ${hashsize} ]`,
    300,
  );
  t.log(`start to applied: ${((Date.now() - started) / 1000).toFixed(0)} s`);
  t.regex(await sh(vm, 'ls -l /run/cosi'), /^s.* cosi-admin\.sock$/m, "the admin socket is on the node's /run/cosi");
  const get = await vm.run(['cosi', 'get', 'sysctls', 'vm.swappiness', '--json'], {timeoutMs: 120_000});
  t.is(get.exitCode, 0, get.stderr);
  t.regex(get.stdout, /"live":\s*"?23/, "`cosi get` on the node reads the agent's socket");

  // The ..data swap, with nf_conntrack in use (nf_nat holds it): its new hashsize owes a reboot.
  await vm.runOk(['modprobe', 'nf_nat']);
  const modprobe = "cat /etc/modprobe.d/cosi.conf 2>/dev/null || echo '(none)'";
  const modprobeBefore = await sh(vm, modprobe);
  started = Date.now();
  await project(vm, agentDocument(17, hashsize * 2), '2026_12_01_12_05_00.000000002');
  const applied = await waitFor(
    vm,
    'document B applied',
    '[ "$(sysctl -n vm.swappiness)" = 17 ] && [ -e /var/run/reboot-required ]',
    testInterval + 60,
  );
  t.log(`..data swap to applied: ${applied.toFixed(0)} s (interval ${testInterval} s)`);
  // The swap itself triggered it (the agent watches the volume's directory), well within the DaemonSet's interval.
  t.regex(
    await sh(vm, 'podman logs cosi-agent 2>&1'),
    /"msg":"reconciled","trigger":"document"/,
    'a reconcile triggered by the document',
  );
  t.true(applied <= testInterval + reconcileSlack, `within the test's interval and a reconcile`);
  t.true(applied < Number(/^(\d+)m$/.exec(interval)?.[1]) * 60, `within the DaemonSet's interval (${interval})`);
  t.is(await sh(vm, 'cat /var/run/reboot-required.pkgs'), 'cosi');
  t.is(
    await sh(vm, 'cat /sys/module/nf_conntrack/parameters/hashsize'),
    String(hashsize),
    'the module in use is left alone',
  );
  t.is(await sh(vm, modprobe), modprobeBefore, 'nor is its parameter persisted: nothing of it');
  let metrics = await sh(vm, `curl -fsS ${metricsUrl}`);
  // Held: the parameter change, and the initramfs rebuild that follows it (it would carry the new options line).
  t.true(metric(metrics, 'cosi_drift_resources', 'kind="module",cause="document"') >= 1, 'the held change is drift');
  t.regex(
    await sh(vm, 'podman logs cosi-agent 2>&1'),
    /"msg":"changes held back: they owe a reboot[^"]*","changes":\[[^\]]*"module\.nf_conntrack"/,
    'the parameter change is held back',
  );
  t.log(
    metrics
      .split('\n')
      .filter((l) => /^cosi_(drift|agent)/.test(l))
      .join('\n'),
  );

  // Behind cosi's back: corrected at the next interval (--mode apply).
  const appliedBefore = metric(metrics, 'cosi_agent_changes_applied_total');
  await sh(vm, 'sysctl -w vm.swappiness=42 >/dev/null');
  const corrected = await waitFor(
    vm,
    'hand-written sysctl corrected',
    '[ "$(sysctl -n vm.swappiness)" = 17 ]',
    testInterval + 60,
  );
  t.log(`hand-written vm.swappiness corrected after ${corrected.toFixed(0)} s`);
  t.true(corrected <= testInterval + reconcileSlack, 'within one interval (and a reconcile)');
  metrics = await sh(vm, `curl -fsS ${metricsUrl}`);
  t.true(metric(metrics, 'cosi_agent_changes_applied_total') > appliedBefore, 'counted as applied');
  await stopAgent(t, vm);

  // The same pod in --mode plan: the hand-written value stays and /metrics reports it as drift, caused by the node.
  await startAgent(t, vm, run, withFlag(args, '--mode', 'plan'), healthz);
  await sh(vm, 'sysctl -w vm.swappiness=42 >/dev/null');
  const reported = await waitFor(
    vm,
    'drift in /metrics',
    `curl -fsS ${metricsUrl} | grep -q '^cosi_drift_resources{kind="sysctl",cause="node"} 1$'`,
    testInterval + 60,
  );
  t.log(`hand-written vm.swappiness reported as drift after ${reported.toFixed(0)} s`);
  t.true(reported <= testInterval + reconcileSlack, 'within one interval (and a reconcile)');
  t.is(await sh(vm, 'sysctl -n vm.swappiness'), '42', '--mode plan changes nothing');
  metrics = await sh(vm, `curl -fsS ${metricsUrl}`);
  t.true(metric(metrics, 'cosi_drift_total') >= 2, 'the sysctl and the held module parameter');
  const memory = await sh(vm, "podman stats --no-stream --format '{{.MemUsage}}' cosi-agent || true");
  t.log(`agent memory: ${memory}`);
  await stopAgent(t, vm);
}

// The container runtime, CNI and services against a real Debian 12 node in a qemu VM: Debian's containerd, runc and
// containernetworking-plugins installed through a cosi document from a local repository of Debian's own packages
// (the VM has no network), the runtime's config, socket group and restart, a bridge conflist, and the real CNI
// plugins run on it against a network namespace; then a pod through containerd's real CRI socket, as the kubelet
// runs one, with a sandbox image built from Debian's busybox-static and imported offline (docs/testing-vm.md).
import test, {type ExecutionContext} from 'ava';
import {buildBusyboxImage} from '../lib/busybox-image.js';
import {CriClient, type PodSandbox} from '../lib/vm/cri-client.js';
import {fileDisk} from '../lib/vm/file-disk.js';
import {bootNode, cosi, planJson, sh} from '../lib/vm/node-session.js';
import type {Vm} from '../lib/vm/vm.js';

const documentPath = '/root/node.yaml';
// The pod's sandbox ("pause") image: containerd's CRI uses the image its sandbox_image names, so the document sets it.
const sandboxImage = 'cosi.test/pause:busybox';
const document = `apiVersion: cosi.dev/v1alpha1
kind: NodeConfig
metadata:
  name: vm-runtime
spec:
  packages:
    install:
      runc: "*"
      containernetworking-plugins: "*"
      iproute2: "*"
  runtime:
    engine: containerd
    version: ">= 1.6"
    settings:
      plugins:
        "io.containerd.grpc.v1.cri":
          containerd: { runtimes: { runc: { options: { SystemdCgroup: true } } } }
          cni: { bin_dir: /usr/lib/cni, conf_dir: /etc/cni/net.d }
          sandbox_image: ${sandboxImage}
    socket: { group: cri-users }
  services:
    containerd: { enabled: true, state: running }
  cni:
    binDir: /usr/lib/cni
    confDir: /etc/cni/net.d
    plugins: [bridge, host-local, loopback, tuning]
    networks:
      10-pods:
        cniVersion: 1.0.0
        name: pods
        plugins:
          - type: bridge
            bridge: cni0
            isGateway: true
            ipam: { type: host-local, ranges: [[{ subnet: 10.88.0.0/16 }]] }
          - { type: tuning, sysctl: { net.ipv4.conf.eth0.accept_redirects: "0" } }
`;

/** starts counts the times systemd started containerd.service during this boot (its "Started" messages). */
async function starts(t: ExecutionContext, vm: Vm): Promise<number> {
  const journal = await sh(vm, 'journalctl -b --no-pager -o short-monotonic _PID=1 UNIT=containerd.service');
  t.log(`systemd on containerd.service:\n${journal}`);
  return journal.split('\n').filter((line) => /: Started containerd\.service/.test(line)).length;
}

test('containerd, runc and the CNI plugins installed, configured and restarted once by one apply; the conflist runs with the real plugins; a pod runs through the CRI under a systemd slice', async (t) => {
  const image = await buildBusyboxImage(sandboxImage);
  t.teardown(() => image.dispose());
  t.log(`sandbox image ${image.name} built from ${image.source}`);
  const disk = await fileDisk('cosi-pause', [image.archive]);
  t.teardown(() => disk.dispose());
  const vm = await bootNode(t, {repo: true, extraDisks: [disk.disk]});
  await vm.runOk(['groupadd', '--system', 'cri-users']);
  await vm.writeFile(documentPath, document);
  t.is((await vm.run(['dpkg-query', '-W', 'containerd'])).exitCode, 1, 'containerd is not installed on the fresh node');

  const plan = await planJson(t, vm, documentPath);
  t.deepEqual(plan.diagnostics, []);
  const addresses = plan.changes.map((c) => c.address);
  for (const a of [
    'package.containerd',
    'package.runc',
    'package.containernetworking-plugins',
    'runtime.containerd',
    'cni.network.10-pods',
    'service.containerd',
  ]) {
    t.true(addresses.includes(a), `${a} is planned: ${addresses.join(', ')}`);
  }
  t.true(
    addresses.indexOf('package.containerd') < addresses.indexOf('runtime.containerd'),
    'the package before its config',
  );
  t.true(
    addresses.indexOf('runtime.containerd') < addresses.indexOf('service.containerd'),
    'the restart after the config',
  );

  const applied = await cosi(t, vm, 'apply', '--auto-approve', documentPath);
  t.is(applied.exitCode, 0);
  t.is(await sh(vm, 'systemctl is-active containerd'), 'active');
  // cosi's policy-rc.d keeps the package's maintainer script from starting containerd with the default config;
  // the restart the config change owes is then the one and only start.
  t.is(await starts(t, vm), 1, 'containerd was started exactly once, by cosi, after its config was written');
  const dump = await sh(vm, 'containerd config dump');
  t.regex(dump, /SystemdCgroup = true/, 'containerd reports the setting');
  t.regex(dump, /\[grpc\][^[]*gid = \d+/);
  const gid = await sh(vm, 'getent group cri-users | cut -d: -f3');
  t.regex(dump, new RegExp(`\\[grpc\\][^[]*gid = ${gid}\\b`), 'grpc gid is the declared group');
  t.is(await sh(vm, 'stat -c %G /run/containerd/containerd.sock'), 'cri-users', 'the socket has the declared group');
  const facts = await cosi(t, vm, 'facts', '--json');
  t.is(facts.exitCode, 0);
  t.regex(facts.stdout, /cri-users/, 'cosi facts reports the socket group');

  const second = await cosi(t, vm, 'apply', '--auto-approve', documentPath);
  t.is(second.exitCode, 0);
  t.is(await starts(t, vm), 1, 'a second apply restarts nothing');
  t.is((await cosi(t, vm, 'plan', '--detailed-exitcode', documentPath)).exitCode, 0, 'and plans nothing');

  // The declared conflist, run the way a runtime runs it (libcni / cnitool): each plugin of the chain in order
  // with CNI_COMMAND=ADD against a network namespace, the previous result passed on; then DEL in reverse.
  const conflist = JSON.parse(await vm.readFile('/etc/cni/net.d/10-pods.conflist')) as {
    cniVersion: string;
    name: string;
    plugins: Array<Record<string, unknown>>;
  };
  await vm.runOk(['ip', 'netns', 'add', 'pod1']);
  let prevResult: unknown;
  for (const plugin of conflist.plugins) {
    const r = await cni(vm, 'ADD', {
      ...plugin,
      cniVersion: conflist.cniVersion,
      name: conflist.name,
      ...(prevResult ? {prevResult} : {}),
    });
    t.is(r.exitCode, 0, `${String(plugin['type'])} ADD: ${r.stdout}${r.stderr}`);
    prevResult = JSON.parse(r.stdout);
  }
  const result = prevResult as {ips: Array<{address: string; gateway: string}>};
  t.regex(result.ips[0]!.address, /^10\.88\.\d+\.\d+\/16$/);
  t.regex(
    await sh(vm, 'ip -n pod1 -4 addr show eth0'),
    new RegExp(result.ips[0]!.address.replace(/\./g, '\\.')),
    'the pod interface has the address',
  );
  t.regex(await sh(vm, 'ip -4 addr show cni0'), /10\.88\.0\.1\/16/, 'the bridge is the gateway');
  t.is(
    await sh(vm, 'ip netns exec pod1 cat /proc/sys/net/ipv4/conf/eth0/accept_redirects'),
    '0',
    'the tuning plugin ran on the chain',
  );
  for (const plugin of [...conflist.plugins].reverse()) {
    const r = await cni(vm, 'DEL', {...plugin, cniVersion: conflist.cniVersion, name: conflist.name, prevResult});
    t.is(r.exitCode, 0, `${String(plugin['type'])} DEL: ${r.stderr}`);
  }
  t.is((await vm.run(['ip', '-n', 'pod1', 'link', 'show', 'eth0'])).exitCode, 1, 'DEL removed the pod interface');

  await runPod(t, vm, disk.label);
});

/**
 * runPod runs a pod as the kubelet does, through containerd's CRI socket: RunPodSandbox (the sandbox image imported
 * offline into containerd's k8s.io namespace; the pod network by the CNI config above), CreateContainer and
 * StartContainer; the container's process must then sit in a systemd scope under the pod's slice, as runc's systemd
 * cgroup driver (SystemdCgroup = true, the Kubernetes docs' recipe) places it.
 */
async function runPod(t: ExecutionContext, vm: Vm, label: string): Promise<void> {
  await sh(vm, `mkdir -p /mnt/pause && mount -o ro LABEL=${label} /mnt/pause`);
  t.log(await sh(vm, 'ctr -n k8s.io images import /mnt/pause/busybox.tar && ctr -n k8s.io images ls -q'));
  const cri = await CriClient.open(vm, '/run/containerd/containerd.sock');
  const version = await cri.version();
  t.log(`CRI: ${JSON.stringify(version)}`);
  t.is(version.name, 'containerd');
  const pod: PodSandbox = {
    name: 'cosi-e2e',
    uid: 'cosie2e1',
    namespace: 'default',
    logDirectory: '/var/log/pods/default_cosi-e2e_cosie2e1',
    cgroupParent: 'kubepods-besteffort-podcosie2e1.slice',
  };
  const started = Date.now();
  const sandbox = await cri.runPodSandbox(pod);
  const container = await cri.createContainer(sandbox, pod, {
    name: 'main',
    image: sandboxImage,
    command: ['/bin/sh', '-c', 'echo cosi-e2e started; exec sleep 600'],
    logPath: 'main/0.log',
  });
  await cri.startContainer(container);
  t.log(`RunPodSandbox, CreateContainer, StartContainer: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const tasks = await sh(vm, 'ctr -n k8s.io tasks ls');
  t.log(tasks);
  const pid = new RegExp(`^${container}\\s+(\\d+)\\s+RUNNING`, 'm').exec(tasks)?.[1];
  if (!pid) throw new Error(`the container ${container} has no running task:\n${tasks}`);
  const cgroup = await sh(vm, `cat /proc/${pid}/cgroup`);
  t.is(
    cgroup,
    `0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-podcosie2e1.slice/cri-containerd-${container}.scope`,
    "the container's cgroup is a systemd scope under the pod's slice",
  );
  t.regex(await sh(vm, `cat ${pod.logDirectory}/main/0.log`), /stdout F cosi-e2e started/, 'the container ran');
  t.regex(
    await sh(vm, `systemctl show -p Slice cri-containerd-${container}.scope`),
    /^Slice=kubepods-besteffort-podcosie2e1\.slice$/,
    'systemd knows the scope in the slice',
  );
}

function cni(vm: Vm, command: 'ADD' | 'DEL', config: Record<string, unknown>) {
  return vm.run([`/usr/lib/cni/${String(config['type'])}`], {
    stdin: JSON.stringify(config),
    env: {
      CNI_COMMAND: command,
      CNI_CONTAINERID: 'cosi-e2e-pod1',
      CNI_NETNS: '/run/netns/pod1',
      CNI_IFNAME: 'eth0',
      CNI_PATH: '/usr/lib/cni',
    },
  });
}

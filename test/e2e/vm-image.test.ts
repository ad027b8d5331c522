// The OCI image (dist/release/cosi-VERSION.oci.tar) as the DaemonSet runs it, on a real Debian 12 node in a qemu VM:
// podman (Debian's, from the local apt repository) loads the archive and runs it privileged in the host's PID and
// network namespaces with the node's / at /host; `cosi apply --root /host` changes the VM's own kernel and services
// and a second plan is empty. One boot (docs/testing-vm.md).
import test from 'ava';
import {fileDisk} from '../lib/vm/file-disk.js';
import {bootNode, sh} from '../lib/vm/node-session.js';
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
  await vm.runOk(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', 'podman'], {
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
  t.log(`suite: ${((Date.now() - started) / 1000).toFixed(0)} s`);
});

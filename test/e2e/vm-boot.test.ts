// First boot with cloud-init on a real Debian 12 node in a qemu VM: an image with Debian's cloud-init and containerd
// and a kubelet unit boots with a NoCloud seed (a `cidata` volume) carrying `cosi cloud-init` output. The document is
// applied before containerd and the kubelet start (proved from the journal), drift reports nothing, and after a
// manual change the drift timer's next run reports it in the node_exporter textfile (docs/testing-vm.md). A CSI
// driver is declared whose node plugin cannot be running at first boot (the kubelet starts it): the first apply
// still succeeds, and drift and the metrics report the driver as a condition, not as drift.
import test, {type ExecutionContext} from 'ava';
import {spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {cloudImageRecipe} from '../lib/vm/image-recipe.js';
import {makeNoCloudSeed} from '../lib/vm/nocloud-seed.js';
import {bootNode, cosi, sh} from '../lib/vm/node-session.js';
import {repoRoot} from '../lib/vm/paths.js';
import type {Vm} from '../lib/vm/vm.js';

const document = `apiVersion: cosi.dev/v1alpha1
kind: NodeConfig
metadata:
  name: vm-first-boot
spec:
  modules:
    br_netfilter: {}
  sysctls:
    net.bridge.bridge-nf-call-iptables: 1
    vm.swappiness: 17
  runtime:
    engine: containerd
    settings:
      plugins:
        "io.containerd.grpc.v1.cri":
          containerd: { runtimes: { runc: { options: { SystemdCgroup: true } } } }
  services:
    containerd: { enabled: true, state: running }
    kubelet: { enabled: true, state: running }
  csi:
    drivers:
      hostpath.csi.k8s.io:
        endpoint: /var/lib/kubelet/plugins/csi-hostpath/csi.sock
`;

const textfile = '/var/lib/node_exporter/textfile_collector/cosi.prom';

type JournalLine = {at: number; unit: string; message: string};

/** bootJournal returns systemd's own messages about units during the current boot, oldest first. */
async function bootJournal(vm: Vm): Promise<JournalLine[]> {
  const out = await sh(vm, 'journalctl -b --no-pager -o json _PID=1');
  return out
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => {
      const entry = JSON.parse(line) as {__MONOTONIC_TIMESTAMP: string; UNIT?: string; MESSAGE?: unknown};
      return entry.UNIT && typeof entry.MESSAGE === 'string'
        ? [{at: Number(entry.__MONOTONIC_TIMESTAMP), unit: entry.UNIT, message: entry.MESSAGE}]
        : [];
    });
}

function when(t: ExecutionContext, journal: JournalLine[], unit: string, pattern: RegExp): number {
  const line = journal.find((l) => l.unit === unit && pattern.test(l.message));
  if (!line)
    throw new Error(
      `no journal message for ${unit} matching ${pattern}; the unit's messages: ${journal
        .filter((l) => l.unit === unit)
        .map((l) => l.message)
        .join(' | ')}`,
    );
  t.log(`[${(line.at / 1e6).toFixed(3)}] ${line.message}`);
  return line.at;
}

test('a NoCloud first boot applies the document before containerd and the kubelet start; the drift timer reports a later change', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cosi-boot-'));
  t.teardown(() => rmSync(dir, {recursive: true, force: true}));
  writeFileSync(join(dir, 'node.yaml'), document);
  const generated = spawnSync(
    process.execPath,
    [join(repoRoot, 'bin/cosi.js'), 'cloud-init', join(dir, 'node.yaml'), '--install', 'image'],
    {encoding: 'utf8'},
  );
  t.is(generated.status, 0, generated.stderr);
  const seed = join(dir, 'seed.img');
  await makeNoCloudSeed(seed, {userData: generated.stdout, instanceId: 'cosi-boot-1', hostname: 'cosi-node'});

  // The image has Debian's cloud-init and containerd installed and a kubelet unit enabled (cloudImageRecipe), and
  // cosi in /usr/local/bin; cloud-init has never run on it: this boot is the instance's first.
  const bootStarted = Date.now();
  const vm = await bootNode(t, {recipe: cloudImageRecipe, extraDisks: [seed]});
  t.log(`first boot with cloud-init: ${((Date.now() - bootStarted) / 1000).toFixed(1)} s`);
  const status = await vm.run(['cloud-init', 'status', '--long', '--wait'], {timeoutMs: 300_000});
  t.log(status.stdout + status.stderr);
  t.is(status.exitCode, 0, 'cloud-init finished without errors');
  t.is(await sh(vm, 'hostname'), 'cosi-node', 'the seed was used');

  const firstBoot = await sh(vm, 'journalctl -b --no-pager -o cat -u cosi-first-boot.service');
  t.log(firstBoot);
  t.regex(firstBoot, /Apply complete!/);
  t.regex(
    firstBoot,
    /csi\.driver\.hostpath\.csi\.k8s\.io: CSI driver hostpath\.csi\.k8s\.io is not healthy/,
    'the driver not running yet is reported',
  );
  const journal = await bootJournal(vm);
  const applied = when(t, journal, 'cosi-first-boot.service', /^Finished /);
  t.false(
    journal.some((l) => l.unit === 'cosi-first-boot.service' && /Failed/.test(l.message)),
    'the first apply did not fail on the driver',
  );
  const containerd = when(t, journal, 'containerd.service', /^Starting /);
  // A simple service logs only "Started" when systemd starts it; a oneshot or notify one logs "Starting" first.
  const kubelet = when(t, journal, 'kubelet.service', /^Start(ing|ed) /);
  t.true(applied < containerd, 'the document was applied before containerd started');
  t.true(applied < kubelet, 'and before the kubelet started');
  t.is(
    journal.filter((l) => l.unit === 'containerd.service' && /^Started /.test(l.message)).length,
    1,
    'containerd started once, with the applied config',
  );

  t.is(await sh(vm, 'sysctl -n vm.swappiness'), '17');
  t.is(await sh(vm, 'sysctl -n net.bridge.bridge-nf-call-iptables'), '1');
  t.regex(await sh(vm, 'containerd config dump'), /SystemdCgroup = true/);
  t.is(await sh(vm, 'systemctl is-active containerd.service kubelet.service | sort -u'), 'active');
  t.is(
    await sh(vm, 'systemctl is-enabled cosi-apply.service'),
    'enabled',
    'later boots apply through cosi-apply.service',
  );
  t.is(await sh(vm, 'systemctl is-active cosi-drift.timer'), 'active');
  t.is((await cosi(t, vm, 'drift', '/etc/cosi/config.yaml')).exitCode, 0, 'drift reports nothing');

  // Someone changes the node by hand; the drift timer's next run (brought forward by a drop-in) reports it.
  await vm.runOk(['sysctl', '-w', 'vm.swappiness=60']);
  await vm.writeFile(
    '/etc/systemd/system/cosi-drift.timer.d/soon.conf',
    '[Timer]\nOnBootSec=\nOnUnitActiveSec=\nRandomizedDelaySec=0\nOnActiveSec=2s\n',
  );
  await vm.runOk(['sh', '-c', `rm -f ${textfile} && systemctl daemon-reload && systemctl restart cosi-drift.timer`]);
  let metrics = '';
  for (let i = 0; i < 90 && !/cosi_drift_total [1-9]/.test(metrics); i++) {
    await new Promise((r) => setTimeout(r, 2000));
    metrics = (await vm.run(['cat', textfile])).stdout;
  }
  t.log(metrics);
  t.regex(metrics, /cosi_drift_total 1\b/, 'the timer run wrote the drift to the textfile');
  t.regex(metrics, /cosi_drift_resources\{[^}]*kind="sysctl"[^}]*\} 1/);
  t.regex(metrics, /cause="node"/, 'as a change behind cosi, not a document not yet applied');
  t.regex(
    metrics,
    /cosi_condition\{kind="csi\.driver",address="csi\.driver\.hostpath\.csi\.k8s\.io",type="csi-driver-unhealthy"\} 1/,
    'the driver is a condition in the metrics',
  );
  t.regex(await sh(vm, 'journalctl --no-pager -o cat -u cosi-drift.service'), /vm\.swappiness/);
});

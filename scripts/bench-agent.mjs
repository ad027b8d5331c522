#!/usr/bin/env node
// Agent benchmark (acceptance 5 of the agent): 1,000 reconcile loops of `cosi agent`'s reconciler against a fixture
// root, in process: each loop changes a sysctl behind cosi's back, then reconciles (probe, plan, publish, apply,
// probe again, publish), with a watch subscribed to the sysctls and /metrics rendered. RSS (after a GC) and open file
// descriptors are sampled every 10 loops; after 200 loops of warm-up, RSS must stay within 10 MB and the descriptors
// must not grow. Needs `npm run build` first.
// Usage: node --expose-gc scripts/bench-agent.mjs [LOOPS]
import {mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (path) => join(repo, 'dist', path);
const {createHost} = await import(dist('src/host/host.js'));
const {Reconciler} = await import(dist('src/agent/reconciler.js'));
const {ResourceStore} = await import(dist('src/agent/resource-store.js'));
const {AgentMetrics} = await import(dist('src/agent/agent-metrics.js'));
const {collectFacts} = await import(dist('src/cli/commands/facts.js'));

const loops = Number(process.argv[2] ?? 1000);
// Warm-up covers the store's bounded event history filling up (256 events a type; two sysctl and two plan events a
// loop here fill it at loop 128) and V8 settling its heap.
const warmUp = Number(process.env.COSI_BENCH_WARM_UP ?? 200);
const root = mkdtempSync(join(tmpdir(), 'cosi-bench-agent-'));
const put = (path, text) => {
  mkdirSync(dirname(join(root, path)), {recursive: true});
  writeFileSync(join(root, path), text);
};
put('/proc/sys/kernel/osrelease', '6.1.0-28-amd64\n');
put('/usr/lib/sysctl.d/50-default.conf', 'kernel.sysrq = 0x01b6\n');
const sysctls = [];
for (let i = 0; i < 20; i++) {
  put(`/proc/sys/net/ipv4/conf/bench${i}/forwarding`, '0\n');
  sysctls.push(`    net.ipv4.conf.bench${i}.forwarding: 1`);
}
put('/proc/sys/vm/swappiness', '60\n');
put(
  '/etc/cosi/config.yaml',
  [
    'apiVersion: cosi.dev/v1alpha1',
    'kind: NodeConfig',
    'metadata: {name: bench}',
    'spec:',
    '  sysctls:',
    '    vm.swappiness: 10',
    ...sysctls,
    '',
  ].join('\n'),
);

const host = createHost({root});
const store = new ResourceStore();
const metrics = new AgentMetrics();
let events = 0;
store.subscribe('node', 'SysctlStatuses.cosi.dev', () => events++);
const reconciler = new Reconciler({
  host,
  file: join(root, 'etc/cosi/config.yaml'),
  inNode: {root, nodePath: '/etc/cosi/config.yaml'},
  patches: [],
  mode: 'apply',
  store,
  metrics,
  log: () => undefined,
  stop: {},
  lockTimeoutMs: 0,
  facts: () => collectFacts({root}, host),
});

const fds = () => readdirSync('/proc/self/fd').length;
const samples = [];
const started = performance.now();
try {
  for (let i = 1; i <= loops; i++) {
    // Behind cosi's back: the next reconcile finds drift and applies.
    writeFileSync(join(root, 'proc/sys/vm/swappiness'), `${60 + (i % 7)}\n`);
    await reconciler.request(i % 10 === 0 ? 'interval' : 'document');
    if (reconciler.failures > 0) throw new Error(`reconcile ${i} failed`);
    metrics.render();
    if (i % 10 === 0) {
      globalThis.gc?.();
      const usage = process.memoryUsage();
      samples.push({loop: i, rss: usage.rss, heap: usage.heapUsed, external: usage.external, fds: fds()});
    }
  }
} finally {
  rmSync(root, {recursive: true, force: true});
}
const seconds = (performance.now() - started) / 1000;
const after = samples.filter((s) => s.loop > warmUp);
const mb = (bytes) => (bytes / 1024 / 1024).toFixed(1);
const rss = after.map((s) => s.rss);
const spread = Math.max(...rss) - Math.min(...rss);
const fdCounts = after.map((s) => s.fds);
const first = after.slice(0, 10).reduce((a, s) => a + s.rss, 0) / 10;
const last = after.slice(-10).reduce((a, s) => a + s.rss, 0) / 10;
console.log(
  `agent reconcile loops: ${loops} in ${seconds.toFixed(1)} s (${((seconds / loops) * 1000).toFixed(1)} ms a loop), ${events} watch events, gc ${globalThis.gc ? 'forced before each sample' : 'not exposed (run with --expose-gc)'}`,
);
console.log(
  `RSS after ${warmUp} warm-up loops: min ${mb(Math.min(...rss))} MB, max ${mb(Math.max(...rss))} MB, spread ${mb(spread)} MB; mean of the first 10 samples ${mb(first)} MB, of the last 10 ${mb(last)} MB (growth ${mb(last - first)} MB)`,
);
const heap = after.map((s) => s.heap);
console.log(
  `JS heap used after warm-up: min ${mb(Math.min(...heap))} MB, max ${mb(Math.max(...heap))} MB; first ${mb(heap[0])} MB, last ${mb(heap.at(-1))} MB`,
);
if (process.env.COSI_BENCH_SAMPLES)
  for (const s of samples)
    console.log(`${s.loop} rss ${mb(s.rss)} heap ${mb(s.heap)} external ${mb(s.external)} fds ${s.fds}`);
console.log(
  `open file descriptors after warm-up: min ${Math.min(...fdCounts)}, max ${Math.max(...fdCounts)}, first ${fdCounts[0]}, last ${fdCounts.at(-1)}`,
);
const ok = spread <= 10 * 1024 * 1024 && fdCounts.at(-1) <= fdCounts[0];
console.log(ok ? 'flat: RSS within 10 MB, no growth in open file descriptors' : 'NOT FLAT');
process.exitCode = ok ? 0 : 1;

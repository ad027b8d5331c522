#!/usr/bin/env node
// Start-up and planning benchmark: `cosi plan` of a 200-sysctl document against a fixture root, side by side
// with bare `node -e 0` and `cosi --version`. Prints median wall times over several runs and peak memory.
// Goals: plan within 2.5x of bare Node start-up, --version within 1.3x, peak memory under 80 MB.
import {spawnSync} from 'node:child_process';
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.env.BENCH_RUNS ?? 15);
const root = mkdtempSync(join(tmpdir(), 'cosi-bench-'));

function write(path, content) {
  mkdirSync(dirname(join(root, path)), {recursive: true});
  writeFileSync(join(root, path), content);
}

write('/proc/sys/kernel/osrelease', '6.1.0-28-amd64\n');
const sysctls = [];
for (let i = 0; i < 200; i++) {
  write(`/proc/sys/net/ipv4/conf/bench${i}/forwarding`, '0\n');
  sysctls.push(`    net.ipv4.conf.bench${i}.forwarding: ${i % 2}`);
}
for (let i = 0; i < 20; i++) write(`/usr/lib/sysctl.d/${10 + i}-vendor.conf`, `net.ipv4.conf.bench${i}.forwarding = 0\n`);
const config = join(root, 'config.yaml');
writeFileSync(config, ['apiVersion: cosi.dev/v1alpha1', 'kind: NodeConfig', 'metadata: {name: bench}', 'spec:', '  sysctls:', ...sysctls, ''].join('\n'));

/** measure runs argv `runs` times and returns the median wall time in ms and the peak RSS in MB. */
function measure(argv) {
  const times = [];
  let peak = 0;
  for (let i = 0; i < runs; i++) {
    // python3's getrusage(RUSAGE_CHILDREN) gives the child's peak RSS; the wall time is taken around it.
    const probe = spawnSync('python3', ['-c', 'import resource,subprocess,sys,time\nt=time.perf_counter()\nr=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL)\nd=time.perf_counter()-t\nprint(d*1000, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode)', ...argv], {encoding: 'utf8'});
    const [ms, rssKb, code] = probe.stdout.trim().split(' ').map(Number);
    if (code !== 0 && code !== 2) throw new Error(`${argv.join(' ')} exited ${code}: ${probe.stderr}`);
    times.push(ms);
    peak = Math.max(peak, rssKb / 1024);
  }
  times.sort((a, b) => a - b);
  return {ms: times[Math.floor(times.length / 2)], peakMb: peak};
}

const cosi = join(repo, 'bin/cosi.js');
const baseline = measure([process.execPath, '-e', '0']);
const version = measure([process.execPath, cosi, '--version']);
const plan = measure([process.execPath, cosi, 'plan', config, '--root', root, '--no-color']);
rmSync(root, {recursive: true, force: true});

const row = (name, r, goal) => `${name.padEnd(34)} ${r.ms.toFixed(1).padStart(7)} ms  ${(r.ms / baseline.ms).toFixed(2).padStart(5)}x  ${r.peakMb.toFixed(1).padStart(6)} MB  ${goal}`;
console.log(`median of ${runs} runs, node ${process.version}, ${process.arch}`);
console.log(row('node -e 0', baseline, ''));
console.log(row('cosi --version', version, `goal <= 1.3x: ${version.ms / baseline.ms <= 1.3 ? 'met' : 'MISSED'}`));
console.log(row('cosi plan (200 sysctls, fixture)', plan, `goal <= 2.5x: ${plan.ms / baseline.ms <= 2.5 ? 'met' : 'MISSED'}; < 80 MB: ${plan.peakMb < 80 ? 'met' : 'MISSED'}`));

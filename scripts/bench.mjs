#!/usr/bin/env node
// Start-up and planning benchmark: `cosi plan` of a 200-sysctl document against a fixture root, side by side
// with bare `node -e 0` and `cosi --version`, for `node bin/cosi.js` and for the single executable
// (dist/release/cosi-VERSION-linux-x64, made by `node scripts/dist.mjs executable`). Prints median wall times over
// several runs and peak memory.
// Goals: plan within 2.5x of bare Node start-up, --version within 1.3x, peak memory under 80 MB.
import {spawnSync} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.env.BENCH_RUNS ?? 15);
const root = mkdtempSync(join(tmpdir(), 'cosi-bench-'));
mkdirSync(join(root, 'etc'), {recursive: true});

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
for (let i = 0; i < 20; i++)
  write(`/usr/lib/sysctl.d/${10 + i}-vendor.conf`, `net.ipv4.conf.bench${i}.forwarding = 0\n`);
const config = join(root, 'config.yaml');
writeFileSync(
  config,
  [
    'apiVersion: cosi.dev/v1alpha1',
    'kind: NodeConfig',
    'metadata: {name: bench}',
    'spec:',
    '  sysctls:',
    ...sysctls,
    '',
  ].join('\n'),
);

/** once runs argv and returns its wall time in ms and peak RSS in MB. */
function once(argv, env = process.env, okCodes = [0, 2]) {
  // python3's getrusage(RUSAGE_CHILDREN) gives the child's peak RSS; the wall time is taken around it.
  const probe = spawnSync(
    'python3',
    [
      '-c',
      'import resource,subprocess,sys,time\nt=time.perf_counter()\nr=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL)\nd=time.perf_counter()-t\nprint(d*1000, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode)',
      ...argv,
    ],
    {encoding: 'utf8', env},
  );
  const [ms, rssKb, code] = probe.stdout.trim().split(' ').map(Number);
  if (!okCodes.includes(code)) throw new Error(`${argv.join(' ')} exited ${code}: ${probe.stderr}`);
  return {ms, peakMb: rssKb / 1024};
}

/**
 * measure runs each command `runs` times, taking turns, so that a change in the machine's speed during the
 * benchmark (other jobs, CPU frequency) touches all of them alike; returns per command the median wall time and the
 * peak RSS.
 */
function measure(commands, env, count = runs) {
  const times = commands.map(() => []);
  const peaks = commands.map(() => 0);
  for (let i = 0; i < count; i++) {
    commands.forEach((argv, c) => {
      const r = once(argv, env);
      times[c].push(r.ms);
      peaks[c] = Math.max(peaks[c], r.peakMb);
    });
  }
  return times.map((t, c) => ({ms: t.sort((a, b) => a - b)[Math.floor(t.length / 2)], peakMb: peaks[c]}));
}

const cosi = join(repo, 'bin/cosi.js');
const {version: cosiVersion} = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
const executable = join(repo, `dist/release/cosi-${cosiVersion}-linux-x64`);
if (!existsSync(executable))
  throw new Error(`${executable} is missing: \`node scripts/dist.mjs executable\` builds it (npm run bench does)`);
const plan = ['plan', config, '--root', root, '--no-color'];
const commands = [
  [process.execPath, '-e', '0'],
  [process.execPath, cosi, '--version'],
  [process.execPath, cosi, ...plan],
  [executable, '--version'],
  [executable, ...plan],
];
// NODE_EXTRA_CA_CERTS makes Node parse a certificate bundle before anything else: it slows bare Node start-up, the
// baseline of the ratios, much more than it slows cosi (and a node's environment has no reason to set it). All the
// figures are taken without it.
const {NODE_EXTRA_CA_CERTS: _, ...clean} = process.env;
const results = [{name: 'without NODE_EXTRA_CA_CERTS', figures: measure(commands, clean)}];

// Malformed documents: every fixture, plus generated hostile ones; each must be rejected within a second.
const hostile = join(root, 'hostile');
mkdirSync(hostile);
writeFileSync(join(hostile, '10mb.yaml'), 'apiVersion: cosi.dev/v1alpha1\n' + '# padding\n'.repeat(1_100_000));
let bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n';
for (let i = 0; i < 9; i++)
  bomb += `b${i}: &b${i} [${Array(9)
    .fill(i ? `*b${i - 1}` : '*a')
    .join(',')}]\n`;
writeFileSync(join(hostile, 'alias-bomb.yaml'), bomb);
writeFileSync(join(hostile, 'deep.yaml'), '['.repeat(10000) + ']'.repeat(10000));
const invalidDir = join(repo, 'fixtures/invalid');
const malformed = [
  ...readdirSync(invalidDir).map((f) => join(invalidDir, f)),
  ...readdirSync(hostile).map((f) => join(hostile, f)),
];
let slowest = {ms: 0, file: ''};
for (const file of malformed) {
  const ms = [0, 1, 2]
    .map(() => once([process.execPath, cosi, 'validate', file], process.env, [1]).ms)
    .sort((a, b) => a - b)[1];
  if (ms > slowest.ms) slowest = {ms, file};
}
rmSync(root, {recursive: true, force: true});

const row = (name, r, baseline, goal) =>
  `  ${name.padEnd(34)} ${r.ms.toFixed(1).padStart(7)} ms  ${(r.ms / baseline.ms).toFixed(2).padStart(5)}x  ${r.peakMb.toFixed(1).padStart(6)} MB  ${goal}`;
console.log(`median of ${runs} runs (taking turns), node ${process.version}, ${process.arch}`);
const planGoal = (r, baseline) =>
  `goal <= 2.5x: ${r.ms / baseline.ms <= 2.5 ? 'met' : 'MISSED'}; < 80 MB: ${r.peakMb < 80 ? 'met' : 'MISSED'}`;
for (const {
  name,
  figures: [baseline, version, planned, seaVersion, seaPlan],
} of results) {
  console.log(`${name}:`);
  console.log(row('node -e 0', baseline, baseline, ''));
  console.log(
    row('cosi --version', version, baseline, `goal <= 1.3x: ${version.ms / baseline.ms <= 1.3 ? 'met' : 'MISSED'}`),
  );
  console.log(row('cosi plan (200 sysctls, fixture)', planned, baseline, planGoal(planned, baseline)));
  console.log(row('executable --version', seaVersion, baseline, ''));
  console.log(
    row(
      'executable plan (200 sysctls)',
      seaPlan,
      baseline,
      `${planGoal(seaPlan, baseline)}; not slower than node bin/cosi.js: ${seaPlan.ms <= planned.ms * 1.05 ? 'met' : 'MISSED'}`,
    ),
  );
}
console.log(
  `cosi validate, ${malformed.length} malformed documents: slowest median ${slowest.ms.toFixed(1)} ms (${slowest.file.replace(repo + '/', '')}); goal < 1000 ms: ${slowest.ms < 1000 ? 'met' : 'MISSED'}`,
);

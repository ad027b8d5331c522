// Oracle test: cosi's rpm version ordering against rpm's own `rpm.vercmp` (rpmverCmp), all pairs in ONE rpm process:
// `rpm --eval` runs a Lua script that reads the pairs from a file. CI installs rpm with `apt-get install -y rpm`.
// Spawns use node:child_process, not execa: execa 10 needs Node 22 (Set.prototype.union), the tests run on Node 20.
import {spawn} from 'node:child_process';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import test from 'ava';
import fc from 'fast-check';
import {num, pick, versionPairs} from '../lib/version-arbitraries.js';
import {compareRpmVersions} from '../../src/resources/package/version/index.js';

interface Exit {
  readonly code: number | null;
  readonly error?: Error;
  readonly stdout: string;
  readonly stderr: string;
}

function run(argv: readonly string[]): Promise<Exit> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), {stdio: ['ignore', 'pipe', 'pipe']});
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error) => resolve({code: null, error, stdout, stderr}));
    child.on('close', (code) => resolve({code, stdout, stderr}));
  });
}

// Each line of the pairs file is `A<TAB>B`; the script prints one rpm.vercmp result per line.
const luaScript = (pairsFile: string) => `
local out = {}
for line in io.lines(${JSON.stringify(pairsFile)}) do
  local tab = line:find("\\t", 1, true)
  out[#out + 1] = tostring(rpm.vercmp(line:sub(1, tab - 1), line:sub(tab + 1)))
end
print(table.concat(out, "\\n"))
`;

/** rpmVercmpAll compares every pair with rpm's own code in a single `rpm --eval` process. */
async function rpmVercmpAll(pairs: ReadonlyArray<readonly [string, string]>): Promise<number[]> {
  const dir = await mkdtemp(join(tmpdir(), 'cosi-rpm-oracle-'));
  try {
    const pairsFile = join(dir, 'pairs.tsv');
    const scriptFile = join(dir, 'vercmp.lua');
    await writeFile(pairsFile, pairs.map(([a, b]) => `${a}\t${b}\n`).join(''));
    await writeFile(scriptFile, luaScript(pairsFile));
    const exit = await run(['rpm', '--eval', `%{lua: dofile(${JSON.stringify(scriptFile)})}`]);
    if (exit.error || exit.code !== 0) {
      throw new Error(
        `the rpm oracle failed: ${exit.error?.message ?? `exit ${exit.code}`} ${exit.stderr}` +
          (exit.error ? ' — install it with `apt-get install -y rpm`' : ''),
      );
    }
    return exit.stdout.trim().split('\n').map(Number);
  } finally {
    await rm(dir, {recursive: true, force: true});
  }
}

// rpm versions as Fedora/RHEL write them, plus the odd ones: epochs (also empty and zero-padded), `~` pre-releases,
// `^` post-release snapshots, `_`/`+`/`.`/other separators, letters of both cases, long digit runs, and releases.
const word = pick('a', 'b', 'z', 'A', 'Z', 'rc', 'beta', 'p', 'git', 'el', 'fc', 'svn', 'pre');
const sep = pick('.', '.', '_', '+', '~', '^', '~~', '^^', '.~', '%', ',');
const piece = fc.oneof(
  num,
  word,
  sep,
  fc.tuple(sep, num).map((x) => x.join('')),
  fc.tuple(sep, word).map((x) => x.join('')),
);
const pieces = (maxLength: number) => fc.array(piece, {maxLength}).map((xs) => xs.join(''));
const rpmVersion = fc
  .record({
    epoch: pick('', '', '', '0:', '1:', '2:', '01:', ':'),
    version: fc.tuple(fc.oneof(num, word), pieces(5)).map((x) => x.join('')),
    release: fc.option(
      fc.tuple(fc.oneof(num, word), pieces(3)).map((x) => x.join('')),
      {freq: 2},
    ),
  })
  .map(({epoch, version, release}) => `${epoch}${version}${release === null ? '' : `-${release}`}`);

const rpmPair = versionPairs(rpmVersion, piece, ['-1', '~rc1', '^git1'], (a, b) => (b === '' ? a : b));

test('rpm oracle: generated version pairs against rpm.vercmp in one process', async (t) => {
  const pairs = fc.sample(rpmPair, {seed: 0x05c0de, numRuns: 50_000});
  const started = performance.now();
  const rpm = await rpmVercmpAll(pairs);
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  t.is(rpm.length, pairs.length, 'one rpm answer per pair');
  const symbol = (n: number) => (n < 0 ? '<' : n > 0 ? '>' : '=');
  const outcomes = {'<': 0, '=': 0, '>': 0};
  for (const n of rpm) outcomes[symbol(n)]++;
  t.log(`${pairs.length} generated pairs (${JSON.stringify(outcomes)}), one rpm process: ${seconds} s`);
  const disagreements = pairs
    .map(([a, b], i) => ({a, b, rpm: rpm[i]!, cosi: compareRpmVersions(a, b)}))
    .filter(({rpm, cosi}) => Math.sign(rpm) !== cosi)
    .slice(0, 20)
    .map(({a, b, rpm, cosi}) => `${a} vs ${b}: rpm says ${symbol(rpm)}, cosi says ${symbol(cosi)}`);
  t.deepEqual(disagreements, []);
});

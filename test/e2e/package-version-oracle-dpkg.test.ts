// Oracle test: cosi's Debian version ordering against the real `dpkg --compare-versions`, on thousands of generated
// pairs and on every pair of versions installed on this machine. Needs dpkg (any Debian test root has it).
// Spawns use node:child_process, not execa: execa 10 needs Node 22 (Set.prototype.union), the tests run on Node 20.
import {spawn} from 'node:child_process';
import {availableParallelism} from 'node:os';
import test from 'ava';
import fc from 'fast-check';
import {num, pick, versionPairs} from '../lib/version-arbitraries.js';
import {compareDpkgVersions, parseDpkgVersion, type Ordering} from '../../src/resources/package/version/index.js';

type Pair = readonly [string, string];
const dpkgOperator: Readonly<Record<Ordering, string>> = {[-1]: 'lt', 0: 'eq', 1: 'gt'};

interface Exit {
  readonly code: number | null;
  readonly error?: Error;
  readonly stdout: string;
}

function run(argv: readonly string[], input?: string): Promise<Exit> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), {stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'ignore']});
    let stdout = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.on('error', (error) => resolve({code: null, error, stdout}));
    child.on('close', (code) => resolve({code, stdout}));
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** requireDpkg fails the test loudly, never skips, when the oracle is missing. */
async function requireDpkg(): Promise<void> {
  const probe = await run(['dpkg', '--version']);
  if (probe.code !== 0) {
    throw new Error(
      `the dpkg oracle is missing: \`dpkg --version\` failed (${probe.error?.message ?? `exit ${probe.code}`})`,
    );
  }
}

/**
 * confirmDirect asks dpkg whether the relation cosi computed holds, one `dpkg --compare-versions` process per pair,
 * `concurrency` at a time, no shell. Returns the pairs where dpkg disagrees.
 */
async function confirmDirect(pairs: readonly Pair[], concurrency: number): Promise<Pair[]> {
  const disagreements: Pair[] = [];
  let next = 0;
  const worker = async () => {
    while (next < pairs.length) {
      const [a, b] = pairs[next++]!;
      const exit = await run(['dpkg', '--compare-versions', a, dpkgOperator[compareDpkgVersions(a, b)], b]);
      if (exit.error) throw exit.error;
      if (exit.code !== 0) disagreements.push([a, b]);
    }
  };
  await Promise.all(Array.from({length: concurrency}, worker));
  return disagreements;
}

const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * confirmBatched asks the same question through one `sh` per CPU, each running its share of `dpkg --compare-versions`
 * lines and echoing every exit status: a fork from a small shell costs about a third of a spawn from Node, which
 * matters for the 100,000+ pairs of installed versions. Versions are single-quoted, so no character is special.
 */
async function confirmBatched(pairs: readonly Pair[], shells: number): Promise<Pair[]> {
  const chunk = Math.ceil(pairs.length / shells);
  const chunks = Array.from({length: shells}, (_, i) => pairs.slice(i * chunk, (i + 1) * chunk));
  const results = await Promise.all(
    chunks.map(async (part) => {
      const script = part
        .map(
          ([a, b]) =>
            `dpkg --compare-versions ${shellQuote(a)} ${dpkgOperator[compareDpkgVersions(a, b)]} ${shellQuote(b)} >/dev/null 2>&1; echo $?`,
        )
        .join('\n');
      const exit = await run(['sh', '-s'], `${script}\n`);
      const codes = exit.stdout.trim().split('\n');
      if (exit.code !== 0 || codes.length !== part.length) {
        throw new Error(`sh batch failed: exit ${exit.code}, ${codes.length} results for ${part.length} pairs`);
      }
      return part.filter((_, i) => codes[i] !== '0');
    }),
  );
  return results.flat();
}

/** explain turns a disagreement into a line naming both answers. */
async function explain([a, b]: Pair): Promise<string> {
  const lt = (await run(['dpkg', '--compare-versions', a, 'lt', b])).code === 0;
  const eq = (await run(['dpkg', '--compare-versions', a, 'eq', b])).code === 0;
  const dpkg = lt ? '<' : eq ? '=' : '>';
  const cosi = ['<', '=', '>'][compareDpkgVersions(a, b) + 1];
  return `${a} vs ${b}: dpkg says ${dpkg}, cosi says ${cosi}`;
}

// A realistic Debian version grammar: epochs, digit runs (with leading zeros and beyond 2^64), letters, `.`, `+`,
// `~`, colons after an epoch, hyphens inside upstream when there is a revision, and revisions like `1+deb12u3`.
const word = pick('a', 'b', 'z', 'A', 'Z', 'rc', 'beta', 'p', 'dfsg', 'deb', 'ubuntu', 'git', 'bpo', 'build', 'really');
const sep = pick('.', '.', '+', '~', '~~', '.~');
const piece = fc.oneof(
  num,
  word,
  sep,
  fc.tuple(sep, num).map((x) => x.join('')),
  fc.tuple(sep, word).map((x) => x.join('')),
);
const debianVersion = fc
  .record({
    epoch: pick('', '', '', '0:', '1:', '2:', '10:', '01:'),
    first: fc.oneof(num, pick('1', '2', '9')),
    rest: fc.array(piece, {maxLength: 6}),
    colonPart: fc.option(num, {freq: 8}),
    hyphenPart: fc.option(num, {freq: 8}),
    revision: fc.option(
      fc.tuple(
        fc.oneof(
          num,
          fc.tuple(word, num).map((x) => x.join('')),
        ),
        fc.array(piece, {maxLength: 3}),
      ),
      {freq: 3},
    ),
  })
  .map(({epoch, first, rest, colonPart, hyphenPart, revision}) => {
    let upstream = first + rest.join('');
    if (epoch !== '' && colonPart !== null) upstream += `:${colonPart}`;
    if (revision !== null && hyphenPart !== null) upstream += `-${hyphenPart}`;
    return epoch + upstream + (revision === null ? '' : `-${revision[0]}${revision[1].join('')}`);
  });

// Most pairs are a version and a small edit of it, so that they share a prefix and differ where the rules are subtle.
const debianPair = versionPairs(debianVersion, piece, ['-1', '-0', '+b1', '~rc1'], (a, b) =>
  parseDpkgVersion(b).ok ? b : `${a}+1`,
);

const generatedPairCount = 6000;

test('dpkg oracle: generated version pairs', async (t) => {
  await requireDpkg();
  const pairs = fc.sample(debianPair, {seed: 0x05c0de, numRuns: generatedPairCount});
  const invalid = pairs.flat().filter((v) => !parseDpkgVersion(v).ok);
  t.deepEqual(invalid, [], 'the generator only makes versions that cosi accepts');
  const started = performance.now();
  const disagreements = await confirmDirect(pairs, 16);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const outcomes = {'<': 0, '=': 0, '>': 0};
  for (const [a, b] of pairs) outcomes[(['<', '=', '>'] as const)[compareDpkgVersions(a, b) + 1]]++;
  t.log(
    `${pairs.length} generated pairs (${JSON.stringify(outcomes)}), one dpkg process each, 16 at a time: ${seconds} s`,
  );
  t.deepEqual(await Promise.all(disagreements.slice(0, 20).map(explain)), []);
});

/**
 * inconsistentPairs checks cosi's ordering over every pair of `sorted` (sorted by cosi) in memory: a pair compares
 * as their places do, equal exactly within a run of equal neighbours. Returns the pairs where it does not.
 */
function inconsistentPairs(sorted: readonly string[]): Pair[] {
  const rank: number[] = [];
  sorted.forEach((v, i) =>
    rank.push(i === 0 ? 0 : rank[i - 1]! + (compareDpkgVersions(sorted[i - 1]!, v) < 0 ? 1 : 0)),
  );
  const bad: Pair[] = [];
  for (let i = 0; i < sorted.length; i++)
    for (let j = i + 1; j < sorted.length; j++)
      if (compareDpkgVersions(sorted[i]!, sorted[j]!) !== Math.sign(rank[i]! - rank[j]!))
        bad.push([sorted[i]!, sorted[j]!]);
  return bad;
}

// Every pair of installed versions, without asking dpkg 200,000 times: cosi's order is checked to be consistent over
// every pair (in memory), and dpkg is asked about each pair of neighbours in cosi's sorted list. dpkg's order is a
// total preorder, so agreeing on every neighbour means agreeing on every pair: for i < j, dpkg puts v_i <= v_j by
// transitivity, strictly exactly when some neighbour pair between them is strict, which is when cosi says so. A
// sample of far pairs is asked directly besides.
test('dpkg oracle: every pair of versions installed on this machine', async (t) => {
  await requireDpkg();
  const query = await run(['dpkg-query', '-W', '-f', '${Version}\n']);
  if (query.code !== 0) throw new Error(`dpkg-query failed: ${query.error?.message ?? `exit ${query.code}`}`);
  const versions = [...new Set(query.stdout.split('\n').filter((v) => v !== ''))].sort();
  t.true(versions.length >= 50, `only ${versions.length} installed versions`);
  t.deepEqual(
    versions.filter((v) => !parseDpkgVersion(v).ok),
    [],
    'every installed version parses',
  );
  const sorted = [...versions].sort(compareDpkgVersions);
  const all = (versions.length * (versions.length - 1)) / 2;
  t.deepEqual(inconsistentPairs(sorted).slice(0, 20), [], "cosi's order is consistent over every pair");
  const neighbours = sorted.slice(1).map((b, i): Pair => [sorted[i]!, b]);
  const far = fc.sample(
    fc.tuple(fc.nat(sorted.length - 1), fc.nat(sorted.length - 1)).map(([i, j]): Pair => [sorted[i]!, sorted[j]!]),
    {seed: 0x05c0de, numRuns: 2000},
  );
  const shells = availableParallelism();
  const started = performance.now();
  const disagreements = await confirmBatched([...neighbours, ...far], shells);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  t.log(
    `${versions.length} installed versions (${all} pairs): ${neighbours.length} neighbours and ${far.length} sampled pairs asked of dpkg, ${shells} sh batches: ${seconds} s`,
  );
  t.deepEqual(await Promise.all(disagreements.slice(0, 20).map(explain)), []);
});

import test from 'ava';
import {mkdtempSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {runCli, type CliRun} from '../lib/run-cli.js';

// The acceptance point for `cosi validate` on malformed input: every document exits 1 with positioned
// diagnostics, never a stack trace, within a second of wall time around the whole process.

const fixtures = fileURLToPath(new URL('../../../fixtures/', import.meta.url));
const invalidDir = join(fixtures, 'invalid');
const validDir = join(fixtures, 'valid');
const scratch = mkdtempSync(join(tmpdir(), 'cosi-malformed-'));
// A ceiling that catches pathological (quadratic, exponential) handling even on a busy machine; the one-second
// goal per document is measured on a quiet machine by `npm run bench` (scripts/bench.mjs), not asserted here,
// since wall time in a test depends on whatever else the machine runs.
const budgetMs = Number(process.env.COSI_TIME_BUDGET_MS ?? 5000);
const header = 'apiVersion: cosi.dev/v1alpha1\nkind: NodeConfig\nmetadata:\n  name: worker\n';
const timings: {name: string; ms: number}[] = [];

/** Expectation is one `# expect: LINE:COL text` line of a fixture. */
interface Expectation {
  readonly line: number;
  readonly col: number;
  readonly text: string;
}

function expectationsOf(text: string): Expectation[] {
  return [...text.matchAll(/^# expect: (\d+):(\d+) (.+)$/gm)].map((m) => ({
    line: Number(m[1]),
    col: Number(m[2]),
    text: m[3]!,
  }));
}

const stackTrace = [/\n\s+at .*\(/, /at file:\/\//, /^\s+at /m];

/** checkFailure asserts what every malformed document must produce: exit 1, a diagnostic, no stack, in time. */
function checkFailure(t: import('ava').ExecutionContext, file: string, name: string, run: CliRun): void {
  timings.push({name, ms: run.ms});
  t.log(`${name}: ${run.ms.toFixed(0)} ms`);
  t.is(run.exitCode, 1, run.stderr);
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  t.regex(run.stderr, new RegExp(`^(?:${escaped}:\\d+:\\d+|cosi): error: `, 'm'));
  for (const pattern of stackTrace) t.notRegex(run.stderr, pattern);
  t.notRegex(run.stderr, /internal error/);
  t.true(run.ms < budgetMs, `${name} took ${run.ms.toFixed(0)} ms`);
}

/** hasDiagnostic tells whether stderr holds an error at LINE:COL of `file` whose message contains `text`. */
function hasDiagnostic(stderr: string, file: string, {line, col, text}: Expectation): boolean {
  return stderr.split('\n').some((l) => l.startsWith(`${file}:${line}:${col}: error: `) && l.includes(text));
}

const rejectsFixture = test.macro({
  async exec(t, name: string) {
    const file = join(invalidDir, name);
    const expectations = expectationsOf(readFileSync(file, 'utf8'));
    t.true(expectations.length > 0, `${name} has no "# expect:" line`);
    const run = await runCli(['validate', file]);
    checkFailure(t, file, name, run);
    for (const e of expectations)
      t.true(hasDiagnostic(run.stderr, file, e), `expected ${e.line}:${e.col} ${e.text}\ngot:\n${run.stderr}`);
  },
  title: (_, name: string) => `rejects ${name}`,
});

const numbered = readdirSync(invalidDir)
  .filter((name) => /^\d\d-.+\.yaml$/.test(name))
  .sort();

test('at least 32 numbered malformed fixtures', (t) => {
  t.true(numbered.length >= 32, `found ${numbered.length}`);
});

for (const name of numbered) test.serial(rejectsFixture, name);

/** Generated is a malformed document too big or too binary to commit, written to a scratch directory. */
interface Generated {
  readonly name: string;
  readonly content: () => string | Buffer;
  /** A message substring, and optionally its exact position. */
  readonly text: string;
  readonly at?: {line: number; col: number};
}

const laughs = (): string => {
  // Billion laughs: ten levels of nine aliases each, 10^9 strings once expanded.
  let out = `${header}spec:\n  runtime:\n    engine: containerd\n    settings:\n      l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n`;
  for (let i = 1; i <= 9; i++)
    out += `      l${i}: &l${i} [${Array(9)
      .fill(`*l${i - 1}`)
      .join(', ')}]\n`;
  return out;
};

const generated: Generated[] = [
  {name: 'alias-bomb.yaml', content: laughs, text: 'alias bomb'},
  {
    name: 'ten-megabytes.yaml',
    content: () =>
      `${header}spec:\n  sysctls:\n${Array.from({length: 400_000}, (_, i) => `    kernel.x${i}: ${i}`).join('\n')}\n`,
    text: 'the file is larger than 512 KiB',
    at: {line: 1, col: 1},
  },
  {
    // The 65th `{` crosses the limit: 14 columns of "    settings: " and 64 times "{a: " before it.
    name: 'flow-10000-deep.yaml',
    content: () =>
      `${header}spec:\n  runtime:\n    engine: containerd\n    settings: ${'{a: '.repeat(10_000)}1${'}'.repeat(10_000)}\n`,
    text: 'nested deeper than 64 levels',
    at: {line: 8, col: 14 + 64 * 4 + 1},
  },
  {
    name: 'flow-list-10000-deep.yaml',
    content: () =>
      `${header}spec:\n  runtime:\n    engine: containerd\n    settings: {a: ${'['.repeat(10_000)}${']'.repeat(10_000)}}\n`,
    text: 'nested deeper than 64 levels',
  },
  {
    name: 'block-400-deep.yaml',
    content: () => {
      let out = `${header}spec:\n  runtime:\n    engine: containerd\n    settings:\n`;
      for (let i = 0; i < 400; i++) out += `${' '.repeat(6 + 2 * i)}k${i}:\n`;
      return `${out}${' '.repeat(6 + 2 * 400)}leaf: 1\n`;
    },
    text: 'nested deeper than 64 levels',
  },
  {
    name: 'block-sequence-1000-deep.yaml',
    content: () =>
      `${header}spec:\n  runtime:\n    engine: containerd\n    settings:\n      a:\n${'- '.repeat(1000)}x\n`,
    text: 'nested deeper than 64 levels',
  },
  {
    name: 'invalid-utf8.yaml',
    content: () =>
      Buffer.concat([
        Buffer.from(`${header}spec:\n  sysctls:\n    kernel.hostname: "`),
        Buffer.from([0xc3, 0x28, 0xff]),
        Buffer.from('"\n'),
      ]),
    text: 'not valid UTF-8',
  },
  {name: 'zero-bytes.yaml', content: () => '', text: 'the file is empty'},
  {name: 'whitespace-only.yaml', content: () => '\n   \n\n', text: 'the file is empty'},
  {
    // Hundreds of mistakes: reported up to a limit, without quadratic work per mistake.
    name: 'five-hundred-mistakes.yaml',
    content: () =>
      `${header}spec:\n  services:\n${Array.from({length: 500}, (_, i) => `    u${i}: { enabld: true }`).join('\n')}\n`,
    text: 'unknown key "enabld"; did you mean "enabled"?',
    at: {line: 7, col: 11},
  },
];

const rejectsGenerated = test.macro({
  async exec(t, c: Generated) {
    const file = join(scratch, c.name);
    writeFileSync(file, c.content());
    const run = await runCli(['validate', file]);
    checkFailure(t, file, c.name, run);
    t.true(run.stderr.includes(c.text), run.stderr.slice(0, 2000));
    if (c.at) t.true(hasDiagnostic(run.stderr, file, {...c.at, text: c.text}), run.stderr.slice(0, 2000));
  },
  title: (_, c: Generated) => `rejects generated ${c.name}`,
});

for (const c of generated) test.serial(rejectsGenerated, c);

test.serial('reports every mistake of multi-mistake.yaml at its line and column, in file order', async (t) => {
  const file = join(invalidDir, 'multi-mistake.yaml');
  const run = await runCli(['validate', file]);
  checkFailure(t, file, 'multi-mistake.yaml', run);
  const reported = run.stderr
    .split('\n')
    .filter((l) => l.startsWith(`${file}:`))
    .map((l) => /^.*?:(\d+):(\d+): error: (.*)$/.exec(l.slice(file.length))!)
    .map((m) => ({at: `${m[1]}:${m[2]}`, message: m[3]!}));
  t.deepEqual(
    reported.map((r) => r.at),
    ['9:14', '12:13', '15:22', '17:26', '20:47', '27:18'],
    run.stderr,
  );
  const expected = [
    'found the string "aptt"; did you mean "apt"? (at spec.packages.manager)',
    '"~> 1.1" is not a valid version constraint',
    'expected one of loaded, blocked, found the string "blacklisted" (at spec.modules.floppy.state)',
    'expected string or integer, found boolean true (at spec.sysctls["net.ipv4.ip_forward"])',
    'unknown key "restart" (at spec.services.kubelet.restart)',
    'must NOT have fewer than 1 items',
  ];
  expected.forEach((text, i) => t.true(reported[i]?.message.includes(text), `${i}: ${reported[i]?.message}`));
});

const acceptsValid = test.macro({
  async exec(t, name: string) {
    const run = await runCli(['validate', join(validDir, name)]);
    timings.push({name, ms: run.ms});
    t.is(run.exitCode, 0, run.stderr);
    t.regex(run.stderr, /valid NodeConfig/);
    t.true(run.ms < budgetMs, `${name} took ${run.ms.toFixed(0)} ms`);
  },
  title: (_, name: string) => `accepts valid/${name}`,
});

for (const name of readdirSync(validDir).sort()) test.serial(acceptsValid, name);

test.serial('slowest run stays under a second', (t) => {
  const slowest = timings.reduce((a, b) => (b.ms > a.ms ? b : a), {name: '(none)', ms: 0});
  t.log(`${timings.length} runs; slowest ${slowest.name}: ${slowest.ms.toFixed(0)} ms`);
  t.true(timings.length >= 40);
  t.true(slowest.ms < budgetMs, `slowest ${slowest.name}: ${slowest.ms.toFixed(0)} ms`);
});

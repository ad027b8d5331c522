import test from 'ava';
import {spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {loadDocument} from '../../src/resources/document.js';
import type {Diagnostic} from '../../src/diag/diagnostic.js';

const repo = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../../..');
const fixtures = join(repo, 'fixtures/seccomp');

function documentWith(profiles: Record<string, unknown>): string {
  return JSON.stringify(
    {apiVersion: 'cosi.dev/v1alpha1', kind: 'NodeConfig', metadata: {name: 'worker'}, spec: {seccomp: {profiles}}},
    null,
    2,
  );
}

async function validate(text: string, file = 'config.yaml'): Promise<{valid: boolean; diagnostics: Diagnostic[]}> {
  const {document, diagnostics} = await loadDocument({file, text});
  return {valid: document !== undefined, diagnostics};
}

const errors = (ds: readonly Diagnostic[]) => ds.filter((d) => d.severity === 'error');
const profile = (name: string) => JSON.parse(readFileSync(join(fixtures, name), 'utf8')) as Record<string, unknown>;

/** withoutNullArgs is the containers-common profile with Go's `"args": null` dropped (kept to check the warnings without the null). */
function withoutNullArgs(p: Record<string, unknown>): Record<string, unknown> {
  const syscalls = (p.syscalls as Array<Record<string, unknown>>).map((rule) =>
    rule.args === null ? Object.fromEntries(Object.entries(rule).filter(([k]) => k !== 'args')) : rule,
  );
  return {...p, syscalls};
}

test('the kernel view of x86_64 (every syscall of unistd_64.h allowed) validates with no diagnostic', async (t) => {
  const result = await validate(documentWith({'cosi/kernel-allow-all.json': profile('kernel-x86_64-allow-all.json')}));
  t.true(result.valid);
  t.deepEqual(result.diagnostics, []);
});

// Debian's containers-common 0.50.1 writes one rule with `"args": null` (Go's nil slice): the schema accepts it.
test("containers-common's seccomp.json validates unchanged", async (t) => {
  const result = await validate(
    documentWith({'cosi/containers-common.json': profile('containers-common-0.50.1.json')}),
  );
  t.true(result.valid, result.diagnostics.map((d) => d.summary).join('\n'));
});

test("containers-common's seccomp.json (null args dropped) validates, with containerd divergence warnings", async (t) => {
  const result = await validate(
    documentWith({'cosi/containers-common.json': withoutNullArgs(profile('containers-common-0.50.1.json'))}),
  );
  t.true(result.valid);
  t.deepEqual(errors(result.diagnostics), []);
  const summaries = result.diagnostics.map((d) => d.summary);
  t.true(summaries.some((s) => s.startsWith('containerd ignores archMap')));
  t.true(summaries.some((s) => s.startsWith('containerd ignores includes/excludes: 28 rules')));
  t.true(
    summaries.some((s) => /2 syscall names are not a syscall on any of the 13 declared architectures/.test(s)),
    'swapcontext and sync_file_range2 are ppc-only',
  );
  t.false(
    summaries.some((s) => s.includes('errno')),
    'its errno names agree with its errnoRet numbers',
  );
  for (const d of result.diagnostics) t.truthy(d.source?.line, `positioned: ${d.summary}`);
});

const invalid = [
  {file: 'unknown-action.yaml', line: 8, match: /SCMP_ACT_ALLOWED|SCMP_ACT_ALLOW/},
  {file: 'unknown-syscall.yaml', line: 11, match: /unknown syscall "fsmout"; did you mean "fsmount"\?/},
  {file: 'bad-operator.yaml', line: 12, match: /SCMP_CMP_EQUAL|SCMP_CMP_EQ/},
  {
    file: 'path-traversal.yaml',
    line: 7,
    match: /\.\.\/\.\.\/\.\.\/etc\/cron\.d\/evil\.json|pattern|seccompProfilePath|profile path/i,
  },
  {file: 'notify-without-listener.yaml', line: 11, match: /SCMP_ACT_NOTIFY but the profile has no listenerPath/},
];

for (const {file, line, match} of invalid) {
  test(`malformed profile ${file} gets one clear, positioned error`, async (t) => {
    const path = join(fixtures, 'invalid', file);
    const result = await validate(readFileSync(path, 'utf8'), path);
    t.false(result.valid);
    const found = errors(result.diagnostics);
    t.is(found.length, 1, found.map((d) => d.summary).join('\n'));
    t.regex(`${found[0]!.summary} ${found[0]!.detail ?? ''}`, match);
    t.is(found[0]!.source?.line, line);
  });
}

test('a name that is a syscall elsewhere only is a warning naming where it exists', async (t) => {
  const result = await validate(
    documentWith({
      'cosi/a.json': {
        defaultAction: 'SCMP_ACT_ALLOW',
        architectures: ['SCMP_ARCH_AARCH64'],
        syscalls: [{names: ['open', 'openat'], action: 'SCMP_ACT_LOG'}],
      },
    }),
  );
  t.true(result.valid);
  t.is(result.diagnostics.length, 1);
  t.regex(result.diagnostics[0]!.summary, /1 syscall name is not a syscall on SCMP_ARCH_AARCH64/);
  t.regex(result.diagnostics[0]!.detail!, /open \(SCMP_ARCH_X86, SCMP_ARCH_X86_64, SCMP_ARCH_X32/);
});

test('runtime rules: NOTIFY as default, NOTIFY on write, ignored errnoRet and valueTwo', async (t) => {
  const result = await validate(
    documentWith({
      'cosi/a.json': {
        defaultAction: 'SCMP_ACT_NOTIFY',
        listenerPath: '/run/agent.sock',
        syscalls: [
          {names: ['write'], action: 'SCMP_ACT_NOTIFY'},
          {
            names: ['read'],
            action: 'SCMP_ACT_ALLOW',
            errnoRet: 1,
            args: [
              {index: 0, value: 2 ** 40, op: 'SCMP_CMP_EQ'},
              {index: 1, value: 1, valueTwo: 4, op: 'SCMP_CMP_NE'},
            ],
          },
        ],
      },
    }),
  );
  t.false(result.valid);
  t.deepEqual(
    result.diagnostics.map((d) => [d.severity, d.path?.slice(4).join('.')]),
    [
      ['error', 'defaultAction'],
      ['error', 'syscalls.0.names.0'],
      ['warning', 'syscalls.1.errnoRet'],
      ['warning', 'syscalls.1.args.1.valueTwo'],
    ],
  );
});

test('an argument value beyond 2^53 is an error at the number, never rounded', async (t) => {
  const text = documentWith({
    'cosi/a.json': {
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{names: ['read'], action: 'SCMP_ACT_LOG', args: [{index: 0, value: 0, op: 'SCMP_CMP_EQ'}]}],
    },
  }).replace('"value": 0', '"value": 18446744073709551615');
  const result = await validate(text);
  t.false(result.valid);
  t.is(result.diagnostics.length, 1);
  t.regex(
    result.diagnostics[0]!.summary,
    /^the number 18446744073709551615 is beyond 2\^53: JSON numbers cannot hold it exactly \(it would become 18446744073709552000\)$/,
  );
  t.is(result.diagnostics[0]!.source?.line, text.split('\n').findIndex((l) => l.includes('18446744073709551615')) + 1);
});

// Go's encoding/json writes a nil slice as `null` and a nil pointer to a struct as `null`: Docker's and CRI-O's
// profiles come that way (moby/profiles seccomp/default.json: `"subArchitectures": null`).
test("Go's encoding: null wherever a list (or a filter) is validates with no diagnostic", async (t) => {
  const result = await validate(
    documentWith({
      'cosi/go.json': {
        defaultAction: 'SCMP_ACT_ERRNO',
        defaultErrnoRet: 1,
        architectures: null,
        flags: null,
        archMap: [
          {architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32']},
          {architecture: 'SCMP_ARCH_RISCV64', subArchitectures: null},
        ],
        syscalls: [
          {
            names: ['read', 'write'],
            action: 'SCMP_ACT_ALLOW',
            args: null,
            includes: null,
            excludes: {caps: null, arches: null},
          },
          {names: null, action: 'SCMP_ACT_ALLOW'},
        ],
      },
      'cosi/empty.json': {defaultAction: 'SCMP_ACT_ALLOW', syscalls: null, archMap: null},
    }),
  );
  t.true(result.valid, result.diagnostics.map((d) => d.summary).join('\n'));
  t.deepEqual(errors(result.diagnostics), []);
  t.false(result.diagnostics.some((d) => /null/.test(d.summary)));
});

test('syscalls newer than libseccomp 2.5.4 but in the newer kernel are one warning (runc and crun skip them); a name no kernel has is an error', async (t) => {
  const newer = ['mseal', 'lsm_get_self_attr', 'listmount', 'statmount'];
  const ok = await validate(
    documentWith({
      'cosi/new.json': {
        defaultAction: 'SCMP_ACT_ERRNO',
        syscalls: [{names: ['read', ...newer], action: 'SCMP_ACT_ALLOW'}],
      },
    }),
  );
  t.true(ok.valid);
  t.is(ok.diagnostics.length, 1, ok.diagnostics.map((d) => d.summary).join('\n'));
  const [warned] = ok.diagnostics;
  t.is(warned!.severity, 'warning');
  t.regex(
    warned!.summary,
    /^4 syscalls are newer than libseccomp 2\.5\.4[^:]*: runc and crun skip them on a node with that libseccomp$/,
  );
  t.regex(warned!.detail!, /mseal, lsm_get_self_attr, listmount, statmount are syscalls of linux-libc-dev \d+\.\d+/);
  t.deepEqual(warned!.path?.slice(4), ['syscalls', 0, 'names', 1]);
  const bad = await validate(
    documentWith({
      'cosi/bad.json': {defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{names: ['mseall'], action: 'SCMP_ACT_ALLOW'}]},
    }),
  );
  t.false(bad.valid);
  t.deepEqual(
    errors(bad.diagnostics).map((d) => d.summary),
    ['unknown syscall "mseall"; did you mean "mseal"?'],
  );
  t.regex(errors(bad.diagnostics)[0]!.detail!, /neither in libseccomp 2\.5\.4\S* nor in linux-libc-dev/);
});

test('extended-format errno names that containerd would not honour are warned about', async (t) => {
  const result = await validate(
    documentWith({
      'cosi/a.json': {
        defaultAction: 'SCMP_ACT_ERRNO',
        defaultErrno: 'ENOSYS',
        syscalls: [{names: ['ptrace'], action: 'SCMP_ACT_ERRNO', errno: 'EACCES', errnoRet: 1}],
      },
    }),
  );
  t.true(result.valid);
  t.deepEqual(
    result.diagnostics.map((d) => d.summary),
    [
      'containerd ignores defaultErrno ENOSYS: it returns 1 (EPERM, the default), not 38',
      'containerd ignores errno names: 1 rule return a different errno under containerd than their errno says',
    ],
  );
});

test('cosi validate refuses a 5 MB profile with a clear diagnostic (document size limit, src/config/limits.ts)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cosi-seccomp-'));
  t.teardown(() => rmSync(dir, {recursive: true, force: true}));
  const names = syscallNamesForSize(5 * 1000 * 1000);
  const file = join(dir, 'big.json');
  writeFileSync(file, documentWith({'cosi/big.json': {defaultAction: 'SCMP_ACT_ERRNO', syscalls: names}}));
  t.true(readFileSync(file).length > 5_000_000);
  const run = spawnSync(process.execPath, [join(repo, 'bin/cosi.js'), 'validate', file], {
    encoding: 'utf8',
    env: {...process.env, NO_COLOR: '1'},
  });
  t.is(run.status, 1);
  t.regex(
    run.stderr,
    /big\.json:1:1: error: the file is larger than [\d.]+ (KiB|MiB) \(at least [\d.]+ MiB\); a node document is a few kilobytes/,
  );
  t.notRegex(run.stderr, /at .*\.js:\d+/, 'no stack trace');
});

function syscallNamesForSize(bytes: number): unknown[] {
  const rule = {names: ['read', 'write', 'openat', 'close'], action: 'SCMP_ACT_ALLOW', comment: 'x'.repeat(200)};
  return Array.from({length: Math.ceil(bytes / 250)}, () => rule);
}

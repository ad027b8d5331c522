#!/usr/bin/env node
// generate-syscalls.mjs — derives cosi's shipped seccomp syscall table from libseccomp itself, through the
// resolver of Debian's `seccomp` package (`scmp_sys_resolver`), so that `cosi validate` checks syscall names
// offline exactly as libseccomp (and so runc, crun and containerd) resolves them.
//
//   node scripts/generate-syscalls.mjs          writes src/resources/seccomp/generated/syscall-table.ts (libseccomp)
//                                               and src/resources/seccomp/generated/kernel-syscalls.ts (a newer kernel)
//   node scripts/generate-syscalls.mjs --check  writes nothing; exits 1 when a table differs from its sources
//   --kernel-deb FILE   read the pinned linux-libc-dev from FILE instead of fetching it (see kernel-syscalls.mjs)
//   --kernel-only       only the kernel table (seconds; the libseccomp table takes about 2 minutes)
//
// Candidate names are every identifier-like string in libseccomp's shared library (its gperf name pool) and every
// `__NR_*` in the kernel headers; each is resolved on every architecture libseccomp supports. A name belongs to
// an architecture's table when the resolver gives it a real (non-negative) number there: negative numbers are
// libseccomp's pseudo-syscalls (known elsewhere, absent here), -1 is an unknown name.
import {execFile, execFileSync} from 'node:child_process';
import {readdirSync, readFileSync, writeFileSync, mkdirSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import {kernelSyscalls, renderKernelTable} from './kernel-syscalls.mjs';

const run = promisify(execFile);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'src/resources/seccomp/generated/syscall-table.ts');
const KERNEL_OUT = join(ROOT, 'src/resources/seccomp/generated/kernel-syscalls.ts');

/** libseccomp architecture token (`scmp_sys_resolver -a`) -> OCI architecture name. */
const ARCHES = {
  x86: 'SCMP_ARCH_X86',
  x86_64: 'SCMP_ARCH_X86_64',
  x32: 'SCMP_ARCH_X32',
  arm: 'SCMP_ARCH_ARM',
  aarch64: 'SCMP_ARCH_AARCH64',
  mips: 'SCMP_ARCH_MIPS',
  mips64: 'SCMP_ARCH_MIPS64',
  mips64n32: 'SCMP_ARCH_MIPS64N32',
  mipsel: 'SCMP_ARCH_MIPSEL',
  mipsel64: 'SCMP_ARCH_MIPSEL64',
  mipsel64n32: 'SCMP_ARCH_MIPSEL64N32',
  ppc: 'SCMP_ARCH_PPC',
  ppc64: 'SCMP_ARCH_PPC64',
  ppc64le: 'SCMP_ARCH_PPC64LE',
  s390: 'SCMP_ARCH_S390',
  s390x: 'SCMP_ARCH_S390X',
  parisc: 'SCMP_ARCH_PARISC',
  parisc64: 'SCMP_ARCH_PARISC64',
  riscv64: 'SCMP_ARCH_RISCV64',
  loongarch64: 'SCMP_ARCH_LOONGARCH64',
  m68k: 'SCMP_ARCH_M68K',
  sh: 'SCMP_ARCH_SH',
  sheb: 'SCMP_ARCH_SHEB',
};

function which(program) {
  try {
    return execFileSync('sh', ['-c', `command -v ${program}`], {encoding: 'utf8'}).trim() || undefined;
  } catch {
    return undefined;
  }
}

function libseccompPath() {
  const listing = execFileSync('ldconfig', ['-p'], {encoding: 'utf8'});
  const match = /libseccomp\.so\.2 .*=> (\S+)/.exec(listing);
  if (!match) throw new Error('libseccomp.so.2 not found (ldconfig -p); install Debian package `seccomp`');
  return match[1];
}

function libseccompVersion() {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Version}', 'libseccomp2'], {encoding: 'utf8'}).trim();
  } catch {
    return 'unknown';
  }
}

function candidates() {
  const names = new Set();
  const strings = execFileSync('strings', ['-n', '2', libseccompPath()], {encoding: 'utf8', maxBuffer: 64 << 20});
  for (const line of strings.split('\n')) if (/^[a-z_][a-z0-9_]*$/.test(line)) names.add(line);
  for (const dir of [
    '/usr/include/asm-generic',
    ...readdirSync('/usr/include')
      .filter((d) => d.endsWith('-linux-gnu'))
      .map((d) => `/usr/include/${d}/asm`),
  ]) {
    let files = [];
    try {
      files = readdirSync(dir).filter((f) => f.startsWith('unistd'));
    } catch {
      continue;
    }
    for (const file of files)
      for (const m of readFileSync(join(dir, file), 'utf8').matchAll(/#define __NR_([a-z0-9_]+)\s/g)) names.add(m[1]);
  }
  return [...names].sort();
}

/** resolve maps [arch, name] pairs to libseccomp's number, two resolver processes at a time. */
async function resolveAll(resolver, pairs) {
  const out = new Array(pairs.length);
  let next = 0;
  const worker = async () => {
    while (next < pairs.length) {
      const i = next++;
      const [arch, name] = pairs[i];
      const {stdout} = await run(resolver, ['-a', arch, name]).catch((e) => ({stdout: e.stdout ?? ''}));
      out[i] = stdout.trim() === '' ? undefined : Number(stdout.trim());
    }
  };
  await Promise.all([worker(), worker()]);
  return out;
}

/** supportedArches keeps the architectures this libseccomp's resolver knows (`read` resolves there). */
async function supportedArches(resolver) {
  const tokens = Object.keys(ARCHES);
  const numbers = await resolveAll(
    resolver,
    tokens.map((a) => [a, 'read']),
  );
  return tokens.filter((_, i) => Number.isInteger(numbers[i]) && numbers[i] >= 0);
}

function bitmap(names, present) {
  const bytes = Buffer.alloc(Math.ceil(names.length / 8));
  names.forEach((name, i) => {
    if (present.has(name)) bytes[i >> 3] |= 1 << (i & 7);
  });
  return bytes.toString('base64');
}

/** writeOrCheck writes a generated file, or with --check compares it; returns false when it is stale. */
function writeOrCheck(path, content, check, what) {
  if (!check) {
    mkdirSync(dirname(path), {recursive: true});
    writeFileSync(path, content);
    console.log(`wrote ${path}: ${what}`);
    return true;
  }
  if (readFileSync(path, 'utf8') === content) {
    console.log(`${path} matches ${what}`);
    return true;
  }
  console.error(`${path} differs from ${what}: run node scripts/generate-syscalls.mjs`);
  return false;
}

function kernelPart(check) {
  const at = process.argv.indexOf('--kernel-deb');
  const deb = at === -1 ? undefined : process.argv[at + 1];
  let table;
  try {
    table = kernelSyscalls(deb ? {deb} : {});
  } catch (cause) {
    console.error(`kernel syscall table: ${cause.message}`);
    if (check)
      console.error('kernel syscall table not checked: its pinned source cannot be had here (pass --kernel-deb FILE)');
    return !!check;
  }
  const names = new Set(Object.values(table.byArch).flatMap((s) => [...s]));
  return writeOrCheck(
    KERNEL_OUT,
    renderKernelTable(table, bitmap),
    check,
    `${table.source}: ${names.size} names, ${Object.keys(table.byArch).length} architectures`,
  );
}

async function main() {
  const check = process.argv.includes('--check');
  const kernelOk = kernelPart(check);
  if (process.argv.includes('--kernel-only')) process.exit(kernelOk ? 0 : 1);
  const resolver = which('scmp_sys_resolver');
  if (!resolver) {
    console.error('scmp_sys_resolver not found: install Debian package `seccomp` (apt-get install -y seccomp)');
    process.exit(check ? 0 : 1);
  }
  const arches = await supportedArches(resolver);
  // A name is libseccomp's when it resolves anywhere to something other than -1 (unknown).
  const probe = candidates();
  const anywhere = await resolveAll(
    resolver,
    probe.map((name) => ['x86_64', name]),
  );
  const names = probe.filter((_, i) => anywhere[i] !== undefined && anywhere[i] !== -1);
  const pairs = arches.flatMap((arch) => names.map((name) => [arch, name]));
  const numbers = await resolveAll(resolver, pairs);
  const tables = {};
  arches.forEach((arch, a) => {
    const present = new Set(names.filter((_, n) => numbers[a * names.length + n] >= 0));
    tables[ARCHES[arch]] = {count: present.size, bits: bitmap(names, present)};
  });

  const lines = [
    `// Generated by scripts/generate-syscalls.mjs from libseccomp ${libseccompVersion()} (scmp_sys_resolver). Do not edit:`,
    '// run `node scripts/generate-syscalls.mjs` on a machine with Debian package `seccomp` installed.',
    '',
    '/** libseccompVersion is the version of libseccomp the table was generated from. */',
    `export const libseccompVersion = ${JSON.stringify(libseccompVersion())};`,
    '',
    '/** syscallNames holds every syscall name libseccomp knows, sorted, separated by single spaces. */',
    `export const syscallNames = ${JSON.stringify(names.join(' '))};`,
    '',
    '/**',
    ' * syscallBitmaps maps an OCI architecture to the names that are real syscalls there: bit i (little-endian, base64)',
    ' * is set when `syscallNames[i]` resolves to a non-negative number on it. `count` is the number of bits set.',
    ' */',
    'export const syscallBitmaps: Readonly<Record<string, {readonly count: number; readonly bits: string}>> = {',
    ...Object.entries(tables).map(([arch, t]) => `  ${arch}: {count: ${t.count}, bits: ${JSON.stringify(t.bits)}},`),
    '};',
    '',
  ];
  const ok = writeOrCheck(
    OUT,
    lines.join('\n'),
    check,
    `libseccomp ${libseccompVersion()}: ${names.length} names, ${arches.length} architectures`,
  );
  process.exit(ok && kernelOk ? 0 : 1);
}

await main();

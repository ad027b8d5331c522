// kernel-syscalls.mjs — the kernel half of generate-syscalls.mjs: the syscall names of a newer Linux than the one
// libseccomp's tables know, read from the uapi headers of Debian's `linux-libc-dev` (Architecture: all since
// Linux 6.x, so one package holds every architecture's `asm/unistd*.h`).
//
// The package is pinned by version and sha256 below. It is fetched with apt's own client, `apt-get download`,
// through a private apt configuration in a temporary directory (this machine's apt sources and lists are not
// touched), or read from a local file given with `--kernel-deb FILE` (an archived copy, once the archive has moved
// on). To move to a newer kernel, change `KERNEL_HEADERS` (version, suite, sha256) and run the generator.
import {execFileSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

/** KERNEL_HEADERS pins the package the kernel table is read from. */
export const KERNEL_HEADERS = {
  package: 'linux-libc-dev',
  version: '7.2.13-1',
  suite: 'sid',
  mirror: 'http://deb.debian.org/debian',
  sha256: '8b33c2a408bbab537e753102dce181dc211007f64c1e2516065bc677f60d5d99',
};

/** OCI architecture -> the uapi header(s) of `/usr/lib/linux/uapi/` that number its syscalls. */
const HEADERS = {
  SCMP_ARCH_X86: ['x86/asm/unistd_32.h'],
  SCMP_ARCH_X86_64: ['x86/asm/unistd_64.h'],
  SCMP_ARCH_X32: ['x86/asm/unistd_x32.h'],
  SCMP_ARCH_ARM: ['arm/asm/unistd-eabi.h', 'arm/asm/unistd.h'],
  SCMP_ARCH_AARCH64: ['arm64/asm/unistd_64.h'],
  SCMP_ARCH_MIPS: ['mips/asm/unistd_o32.h'],
  SCMP_ARCH_MIPSEL: ['mips/asm/unistd_o32.h'],
  SCMP_ARCH_MIPS64: ['mips/asm/unistd_n64.h'],
  SCMP_ARCH_MIPSEL64: ['mips/asm/unistd_n64.h'],
  SCMP_ARCH_MIPS64N32: ['mips/asm/unistd_n32.h'],
  SCMP_ARCH_MIPSEL64N32: ['mips/asm/unistd_n32.h'],
  SCMP_ARCH_PPC: ['powerpc/asm/unistd_32.h'],
  SCMP_ARCH_PPC64: ['powerpc/asm/unistd_64.h'],
  SCMP_ARCH_PPC64LE: ['powerpc/asm/unistd_64.h'],
  SCMP_ARCH_S390X: ['s390/asm/unistd_64.h'],
  SCMP_ARCH_PARISC: ['parisc/asm/unistd_32.h'],
  SCMP_ARCH_PARISC64: ['parisc/asm/unistd_64.h'],
  SCMP_ARCH_RISCV64: ['riscv/asm/unistd_64.h'],
  SCMP_ARCH_LOONGARCH64: ['loongarch/asm/unistd_64.h'],
  SCMP_ARCH_M68K: ['m68k/asm/unistd_32.h'],
  SCMP_ARCH_SH: ['sh/asm/unistd_32.h'],
  SCMP_ARCH_SHEB: ['sh/asm/unistd_32.h'],
};

/** A syscall define: `__NR_name` (or ARM's private `__ARM_NR_name`) = a number, a base plus a number, or an alias. */
const DEFINE =
  /^#define\s+__(?:ARM_)?NR_([a-z0-9_]+)\s+(\(?\s*(?:__[A-Za-z0-9_]+\s*\+\s*)?\d+\s*\)?|__(?:ARM_)?NR_[a-z0-9_]+)\s*$/gm;

function sha256(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** download fetches the pinned package with `apt-get download`, through a private apt configuration. */
function download(dir) {
  const {mirror, suite} = KERNEL_HEADERS;
  for (const sub of ['lists/partial', 'cache/archives/partial', 'etc']) mkdirSync(join(dir, sub), {recursive: true});
  writeFileSync(
    join(dir, 'etc/sources.list'),
    `deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${mirror} ${suite} main\n`,
  );
  writeFileSync(
    join(dir, 'apt.conf'),
    [
      `Dir::Etc::sourcelist "${dir}/etc/sources.list";`,
      'Dir::Etc::sourceparts "-";',
      `Dir::State::Lists "${dir}/lists";`,
      `Dir::Cache "${dir}/cache";`,
      'Acquire::Languages "none";',
      'APT::Sandbox::User "root";',
      '',
    ].join('\n'),
  );
  const env = {...process.env, APT_CONFIG: join(dir, 'apt.conf')};
  execFileSync('apt-get', ['update', '-qq'], {env, stdio: ['ignore', 'ignore', 'inherit']});
  execFileSync('apt-get', ['download', '-qq', `${KERNEL_HEADERS.package}=${KERNEL_HEADERS.version}`], {
    env,
    cwd: dir,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deb = readdirSync(dir).find((f) => f.startsWith(`${KERNEL_HEADERS.package}_`) && f.endsWith('.deb'));
  if (!deb) throw new Error(`apt-get download left no ${KERNEL_HEADERS.package} package`);
  return join(dir, deb);
}

/**
 * kernelSyscalls returns the pinned kernel's syscall names per OCI architecture, and a description of the source.
 * Throws (naming what is missing) when the package cannot be had or is not the pinned one.
 */
export function kernelSyscalls({deb} = {}) {
  const work = mkdtempSync(join(tmpdir(), 'cosi-kernel-headers-'));
  try {
    const file = deb ?? download(work);
    const digest = sha256(file);
    if (digest !== KERNEL_HEADERS.sha256) {
      throw new Error(
        `${file} has sha256 ${digest}, not the pinned ${KERNEL_HEADERS.sha256} of ${KERNEL_HEADERS.package} ${KERNEL_HEADERS.version}`,
      );
    }
    const root = join(work, 'root');
    execFileSync('dpkg-deb', ['-x', file, root]);
    const uapi = join(root, 'usr/lib/linux/uapi');
    const byArch = {};
    for (const [arch, headers] of Object.entries(HEADERS)) {
      const names = new Set();
      for (const header of headers) {
        const path = join(uapi, header);
        if (!existsSync(path)) throw new Error(`${KERNEL_HEADERS.package} ${KERNEL_HEADERS.version} has no ${header}`);
        for (const m of readFileSync(path, 'utf8').matchAll(DEFINE)) names.add(m[1]);
      }
      byArch[arch] = names;
    }
    const source = `${KERNEL_HEADERS.package} ${KERNEL_HEADERS.version} (Debian ${KERNEL_HEADERS.suite}, sha256 ${KERNEL_HEADERS.sha256.slice(0, 16)}…)`;
    return {byArch, source, version: KERNEL_HEADERS.version};
  } finally {
    rmSync(work, {recursive: true, force: true});
  }
}

/** renderKernelTable renders the generated TypeScript module: every kernel name, and a bitmap per architecture. */
export function renderKernelTable({byArch, source, version}, bitmap) {
  const names = [...new Set(Object.values(byArch).flatMap((s) => [...s]))].sort();
  return [
    `// Generated by scripts/generate-syscalls.mjs from the uapi headers of ${source}. Do not edit:`,
    '// run `node scripts/generate-syscalls.mjs` (it fetches the pinned package with apt-get download, or reads --kernel-deb FILE).',
    '',
    '/** kernelHeaders names the package (and so the Linux version) the kernel table comes from. */',
    `export const kernelHeaders = ${JSON.stringify(`${KERNEL_HEADERS.package} ${version}`)};`,
    '',
    '/** kernelSyscallNames holds every syscall name of that kernel on some architecture, sorted, separated by single spaces. */',
    `export const kernelSyscallNames = ${JSON.stringify(names.join(' '))};`,
    '',
    '/**',
    ' * kernelSyscallBitmaps maps an OCI architecture to its syscalls in that kernel: bit i (little-endian, base64) is set',
    " * when `kernelSyscallNames[i]` is defined in the architecture's `asm/unistd*.h`. `count` is the number of bits set.",
    ' */',
    'export const kernelSyscallBitmaps: Readonly<Record<string, {readonly count: number; readonly bits: string}>> = {',
    ...Object.entries(byArch).map(
      ([arch, set]) => `  ${arch}: {count: ${set.size}, bits: ${JSON.stringify(bitmap(names, set))}},`,
    ),
    '};',
    '',
  ].join('\n');
}

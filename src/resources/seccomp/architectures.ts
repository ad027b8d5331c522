/**
 * goArchitectures maps the Go architecture names of the extended format (`includes.arches`, as CRI-O and Docker
 * write them) to OCI architectures.
 */
export const goArchitectures: Readonly<Record<string, string>> = {
  amd64: 'SCMP_ARCH_X86_64',
  x32: 'SCMP_ARCH_X32',
  '386': 'SCMP_ARCH_X86',
  x86: 'SCMP_ARCH_X86',
  arm: 'SCMP_ARCH_ARM',
  arm64: 'SCMP_ARCH_AARCH64',
  mips: 'SCMP_ARCH_MIPS',
  mipsle: 'SCMP_ARCH_MIPSEL',
  mips64: 'SCMP_ARCH_MIPS64',
  mips64le: 'SCMP_ARCH_MIPSEL64',
  mips64n32: 'SCMP_ARCH_MIPS64N32',
  mips64p32: 'SCMP_ARCH_MIPS64N32',
  mipsel64n32: 'SCMP_ARCH_MIPSEL64N32',
  mips64p32le: 'SCMP_ARCH_MIPSEL64N32',
  ppc: 'SCMP_ARCH_PPC',
  ppc64: 'SCMP_ARCH_PPC64',
  ppc64le: 'SCMP_ARCH_PPC64LE',
  s390: 'SCMP_ARCH_S390',
  s390x: 'SCMP_ARCH_S390X',
  parisc: 'SCMP_ARCH_PARISC',
  parisc64: 'SCMP_ARCH_PARISC64',
  riscv64: 'SCMP_ARCH_RISCV64',
  loong64: 'SCMP_ARCH_LOONGARCH64',
  loongarch64: 'SCMP_ARCH_LOONGARCH64',
  m68k: 'SCMP_ARCH_M68K',
  sh: 'SCMP_ARCH_SH',
  sheb: 'SCMP_ARCH_SHEB',
};

/** machineArchitectures maps `uname -m` machine names to the OCI architecture of native processes. */
export const machineArchitectures: Readonly<Record<string, string>> = {
  x86_64: 'SCMP_ARCH_X86_64',
  i686: 'SCMP_ARCH_X86',
  i386: 'SCMP_ARCH_X86',
  aarch64: 'SCMP_ARCH_AARCH64',
  armv7l: 'SCMP_ARCH_ARM',
  ppc64le: 'SCMP_ARCH_PPC64LE',
  ppc64: 'SCMP_ARCH_PPC64',
  s390x: 'SCMP_ARCH_S390X',
  riscv64: 'SCMP_ARCH_RISCV64',
  loongarch64: 'SCMP_ARCH_LOONGARCH64',
  mips64: 'SCMP_ARCH_MIPS64',
};

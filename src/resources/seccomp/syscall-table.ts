import {kernelHeaders, kernelSyscallBitmaps, kernelSyscallNames} from './generated/kernel-syscalls.js';
import {libseccompVersion, syscallBitmaps, syscallNames} from './generated/syscall-table.js';

/**
 * SyscallTable is libseccomp's view of syscall names (all names it knows, and the real syscalls per architecture),
 * with a newer kernel's names beside it: a name the kernel has and libseccomp does not is real, only too new for it.
 */
export interface SyscallTable {
  /** Every name libseccomp knows on some architecture, sorted. */
  readonly names: readonly string[];
  /** OCI architecture (`SCMP_ARCH_X86_64`) -> names that are real syscalls there. */
  readonly byArch: ReadonlyMap<string, ReadonlySet<string>>;
  /** The libseccomp version the table comes from. */
  readonly version: string;
  /** A newer kernel's syscalls (its uapi headers): OCI architecture -> names, and where they come from. */
  readonly kernel: {readonly byArch: ReadonlyMap<string, ReadonlySet<string>>; readonly source: string};
}

let decoded: SyscallTable | undefined;

/**
 * syscallTable decodes the shipped tables (generated from libseccomp and from a newer kernel's uapi headers by
 * scripts/generate-syscalls.mjs) once and
 * returns it. Pure and offline: the same answer on every machine, whatever libseccomp the machine has.
 */
export function syscallTable(): SyscallTable {
  if (decoded) return decoded;
  const names = syscallNames.split(' ');
  decoded = {
    names,
    byArch: decodeBitmaps(names, syscallBitmaps),
    version: libseccompVersion,
    kernel: {byArch: decodeBitmaps(kernelSyscallNames.split(' '), kernelSyscallBitmaps), source: kernelHeaders},
  };
  return decoded;
}

function decodeBitmaps(
  names: readonly string[],
  bitmaps: Readonly<Record<string, {readonly bits: string}>>,
): Map<string, Set<string>> {
  const byArch = new Map<string, Set<string>>();
  for (const [arch, {bits}] of Object.entries(bitmaps)) {
    const bytes = Buffer.from(bits, 'base64');
    byArch.set(arch, new Set(names.filter((_, i) => ((bytes[i >> 3] ?? 0) >> (i & 7)) & 1)));
  }
  return byArch;
}

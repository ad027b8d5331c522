import {libseccompVersion, syscallBitmaps, syscallNames} from './generated/syscall-table.js';

/** SyscallTable is libseccomp's view of syscall names: all names it knows, and the real syscalls per architecture. */
export interface SyscallTable {
  /** Every name libseccomp knows on some architecture, sorted. */
  readonly names: readonly string[];
  /** OCI architecture (`SCMP_ARCH_X86_64`) -> names that are real syscalls there. */
  readonly byArch: ReadonlyMap<string, ReadonlySet<string>>;
  /** The libseccomp version the table comes from. */
  readonly version: string;
}

let decoded: SyscallTable | undefined;

/**
 * syscallTable decodes the shipped table (generated from libseccomp by scripts/generate-syscalls.mjs) once and
 * returns it. Pure and offline: the same answer on every machine, whatever libseccomp the machine has.
 */
export function syscallTable(): SyscallTable {
  if (decoded) return decoded;
  const names = syscallNames.split(' ');
  const byArch = new Map<string, Set<string>>();
  for (const [arch, {bits}] of Object.entries(syscallBitmaps)) {
    const bytes = Buffer.from(bits, 'base64');
    byArch.set(arch, new Set(names.filter((_, i) => ((bytes[i >> 3] ?? 0) >> (i & 7)) & 1)));
  }
  decoded = {names, byArch, version: libseccompVersion};
  return decoded;
}

import type {SeccompProfile} from '../../config/generated/types.js';
import {error, warning, type Diagnostic, type DocumentPath} from '../../diag/diagnostic.js';
import {didYouMean} from '../../diag/did-you-mean.js';
import {goArchitectures} from './architectures.js';
import {syscallTable} from './syscall-table.js';

/** declaredArchitectures lists the OCI architectures a profile names, in `architectures` and in `archMap`. */
export function declaredArchitectures(profile: SeccompProfile): string[] {
  const out = new Set<string>(profile.architectures ?? []);
  for (const entry of profile.archMap ?? []) {
    out.add(entry.architecture);
    for (const sub of entry.subArchitectures ?? []) out.add(sub);
  }
  return [...out];
}

/**
 * checkSyscallNames checks every `syscalls[].names[]` of a profile against libseccomp's syscall tables (shipped,
 * generated from libseccomp), the way libseccomp resolves names when a runtime loads the profile:
 * - a name that neither libseccomp nor the newer kernel's tables (its uapi headers) have on any architecture is an
 *   error, suggesting the closest real syscall of the architectures the rule applies to (a typo: runc skips it
 *   silently, crun can refuse the container);
 * - names the newer kernel has and libseccomp does not (`mseal`, `listmount`) get one summarizing warning: they are
 *   real, and runc and crun skip names their libseccomp cannot resolve, so on a node with this libseccomp the rule
 *   does not cover them;
 * - names that are real syscalls only on architectures the profile does not declare (`architectures`, `archMap`, the
 *   rule's `includes.arches`) get one summarizing warning: libseccomp skips them there, so they do nothing. Shared
 *   multi-architecture profiles (Docker's, containers-common's) list such names on purpose.
 * With no architecture declared, the node's native one applies, which is not known offline: any table counts. Pure.
 */
export function checkSyscallNames(profile: SeccompProfile, path: DocumentPath): Diagnostic[] {
  const table = syscallTable();
  const everywhere = new Set(table.names);
  const declared = declaredArchitectures(profile);
  const kernelNames = new Set([...table.kernel.byArch.values()].flatMap((names) => [...names]));
  const found: Diagnostic[] = [];
  const elsewhere: Array<{name: string; at: DocumentPath; arches: string[]}> = [];
  const tooNew: Array<{name: string; at: DocumentPath}> = [];
  for (const [r, rule] of (profile.syscalls ?? []).entries()) {
    const extra = (rule.includes?.arches ?? [])
      .map((a) => goArchitectures[a])
      .filter((a): a is string => a !== undefined);
    const wanted = declared.length > 0 ? [...new Set([...declared, ...extra])] : [...table.byArch.keys()];
    const tabled = wanted.filter((a) => table.byArch.has(a));
    const checkable = tabled.length === wanted.length;
    for (const [n, name] of (rule.names ?? []).entries()) {
      const at = [...path, 'syscalls', r, 'names', n];
      if (!everywhere.has(name) && kernelNames.has(name)) {
        tooNew.push({name, at});
        continue;
      }
      if (!everywhere.has(name)) {
        found.push(unknownSyscall(name, at, tabled.length > 0 ? tabled : [...table.byArch.keys()], table));
        continue;
      }
      if (checkable && !tabled.some((a) => table.byArch.get(a)!.has(name))) {
        elsewhere.push({
          name,
          at,
          arches: [...table.byArch].filter(([, names]) => names.has(name)).map(([arch]) => arch),
        });
      }
    }
  }
  if (tooNew.length > 0) found.push(tooNewWarning(tooNew, table));
  if (elsewhere.length > 0) found.push(elsewhereWarning(elsewhere, declared));
  return found;
}

/** SyscallTable is libseccomp's syscall tables and the newer kernel's, as shipped. */
type SyscallTable = ReturnType<typeof syscallTable>;

/** unknownSyscall is the error for a name no architecture has, suggesting the closest syscall of pool. */
function unknownSyscall(name: string, at: DocumentPath, pool: readonly string[], table: SyscallTable): Diagnostic {
  const suggestion = didYouMean(
    name,
    new Set([...pool.flatMap((a) => [...table.byArch.get(a)!, ...(table.kernel.byArch.get(a) ?? [])])]),
  );
  return error(
    `unknown syscall ${JSON.stringify(name)}${suggestion ? `; did you mean ${JSON.stringify(suggestion)}?` : ''}`,
    {
      path: at,
      detail: `expected a syscall name (on ${describe(pool)}); no architecture has it, neither in libseccomp ${table.version} nor in ${table.kernel.source}`,
    },
  );
}

/** tooNewWarning is the one warning for the names the newer kernel has and libseccomp does not (tooNew not empty). */
function tooNewWarning(tooNew: ReadonlyArray<{name: string; at: DocumentPath}>, table: SyscallTable): Diagnostic {
  const names = [...new Set(tooNew.map((t) => t.name))];
  return warning(
    `${names.length === 1 ? '1 syscall is' : `${names.length} syscalls are`} newer than libseccomp ${table.version}: runc and crun skip ${names.length === 1 ? 'it' : 'them'} on a node with that libseccomp`,
    {
      path: tooNew[0]!.at,
      detail: `${names.slice(0, 12).join(', ')}${names.length > 12 ? `, and ${names.length - 12} more` : ''} ${names.length === 1 ? 'is a syscall' : 'are syscalls'} of ${table.kernel.source}'s kernel; the rule covers ${names.length === 1 ? 'it' : 'them'} only where the runtime's libseccomp knows ${names.length === 1 ? 'it' : 'them'}`,
    },
  );
}

/**
 * elsewhereWarning is the one warning for the names that are syscalls only on architectures the profile does not
 * declare (elsewhere not empty).
 */
function elsewhereWarning(
  elsewhere: ReadonlyArray<{name: string; at: DocumentPath; arches: string[]}>,
  declared: readonly string[],
): Diagnostic {
  const shown = elsewhere
    .slice(0, 6)
    .map((e) => `${e.name} (${e.arches.length > 3 ? `${e.arches.slice(0, 3).join(', ')}...` : e.arches.join(', ')})`)
    .join(', ');
  return warning(
    `${elsewhere.length === 1 ? '1 syscall name is' : `${elsewhere.length} syscall names are`} not a syscall on ${declared.length > 4 ? `any of the ${declared.length} declared architectures` : declared.join(', ')}: libseccomp skips ${elsewhere.length === 1 ? 'it' : 'them'} there`,
    {
      path: elsewhere[0]!.at,
      detail: `${shown}${elsewhere.length > 6 ? `, and ${elsewhere.length - 6} more` : ''}; declare the architecture they belong to if the rule is meant for it`,
    },
  );
}

function describe(arches: readonly string[]): string {
  return arches.length > 4 ? `any of ${arches.length} architectures` : arches.join(', ');
}

import type {SeccompFilter, SeccompProfile} from '../../config/generated/types.js';
import {warning, type Diagnostic, type DocumentPath} from '../../diag/diagnostic.js';
import {errnoNumbers} from './errno.js';

/** The errno runc (under containerd) returns for SCMP_ACT_ERRNO when no number is given. */
const runcDefaultErrno = 1;

/**
 * containerdDivergence warns where containerd, which reads only the OCI fields of a profile, would enforce
 * something other than CRI-O or Docker reading the extended format: `archMap` without matching `architectures`,
 * an `errno`/`defaultErrno` name without the same `errnoRet`/`defaultErrnoRet` number, and `includes`/`excludes`
 * conditions that containerd drops (the rule then applies to every container, on every kernel and architecture).
 * Rules are summarized, one warning per kind of difference, pointing at the first rule concerned. Pure.
 */
export function containerdDivergence(profile: SeccompProfile, path: DocumentPath): Diagnostic[] {
  const found: Diagnostic[] = [];
  if (profile.archMap && profile.archMap.length > 0) {
    const listed = new Set(profile.architectures ?? []);
    const missing = [
      ...new Set(profile.archMap.flatMap((e) => [e.architecture, ...(e.subArchitectures ?? [])])),
    ].filter((a) => !listed.has(a));
    if (missing.length > 0) {
      found.push(
        warning(
          `containerd ignores archMap: ${missing.join(', ')} ${listed.size === 0 ? 'are' : 'are also'} not in architectures, so under containerd the filter covers ${listed.size === 0 ? "only the node's native architecture" : [...listed].join(', ')}`,
          {
            path: [...path, 'archMap'],
            detail:
              'syscalls of the other architectures (32-bit x86 on amd64, say) then get the bad-architecture action; list them in `architectures` for containerd',
          },
        ),
      );
    }
  }
  const defaultDiff = errnoDifference(profile.defaultAction, profile.defaultErrno, profile.defaultErrnoRet);
  if (defaultDiff)
    found.push(
      warning(`containerd ignores defaultErrno ${profile.defaultErrno}: ${defaultDiff}`, {
        path: [...path, 'defaultErrno'],
        detail: `set defaultErrnoRet: ${errnoNumbers[profile.defaultErrno!] ?? '<number>'}`,
      }),
    );

  const errnoRules: number[] = [];
  const conditional: number[] = [];
  const conditions = new Set<string>();
  for (const [r, rule] of (profile.syscalls ?? []).entries()) {
    if (errnoDifference(rule.action, rule.errno, rule.errnoRet)) errnoRules.push(r);
    const described = [...describeFilter('only with', rule.includes), ...describeFilter('not with', rule.excludes)];
    if (described.length > 0) {
      conditional.push(r);
      for (const d of described) conditions.add(d);
    }
  }
  if (errnoRules.length > 0) {
    found.push(
      warning(
        `containerd ignores errno names: ${count(errnoRules)} return a different errno under containerd than their errno says`,
        {
          path: [...path, 'syscalls', errnoRules[0]!, 'errno'],
          detail: `set errnoRet to the number of the errno name (rules ${list(errnoRules)})`,
        },
      ),
    );
  }
  if (conditional.length > 0) {
    found.push(
      warning(
        `containerd ignores includes/excludes: ${count(conditional)} apply to every container under containerd, whatever their conditions`,
        {
          path: [...path, 'syscalls', conditional[0]!],
          detail: `conditions dropped: ${[...conditions].sort().join('; ')} (rules ${list(conditional)})`,
        },
      ),
    );
  }
  return found;
}

/** errnoDifference says how the errno containerd returns differs from the extended format's name, if it does. */
function errnoDifference(action: string, name: string | undefined, number: number | undefined): string | undefined {
  if (name === undefined || action !== 'SCMP_ACT_ERRNO') return undefined;
  const wanted = errnoNumbers[name];
  const actual = number ?? runcDefaultErrno;
  if (wanted === actual) return undefined;
  return `it returns ${actual}${number === undefined ? ' (EPERM, the default)' : ''}${wanted !== undefined ? `, not ${wanted}` : ''}`;
}

function describeFilter(how: string, filter: SeccompFilter | null | undefined): string[] {
  if (!filter) return [];
  const out: string[] = [];
  if (filter.caps?.length) out.push(`${how} ${filter.caps.join('/')}`);
  if (filter.arches?.length) out.push(`${how} arch ${filter.arches.join('/')}`);
  if (filter.minKernel) out.push(`${how} kernel >= ${filter.minKernel}`);
  return out;
}

function count(rules: readonly number[]): string {
  return rules.length === 1 ? '1 rule' : `${rules.length} rules`;
}

function list(rules: readonly number[]): string {
  const shown = rules
    .slice(0, 12)
    .map((r) => `syscalls[${r}]`)
    .join(', ');
  return rules.length > 12 ? `${shown}, and ${rules.length - 12} more` : shown;
}

import type {SeccompProfile} from '../../config/generated/types.js';
import {error, warning, type Diagnostic, type DocumentPath} from '../../diag/diagnostic.js';

const returnsErrno = new Set(['SCMP_ACT_ERRNO', 'SCMP_ACT_TRACE']);

/**
 * checkProfileRules enforces what the OCI runtime spec and the runtimes that load profiles (runc, crun) require
 * beyond the schema: `SCMP_ACT_NOTIFY` needs a `listenerPath`, is not a default action and never applies to
 * `write`; argument values are unsigned 64-bit integers that cosi carries exactly (JSON numbers above 2^53 are
 * not); `errnoRet`/`valueTwo` given where the runtime ignores them are warnings. Pure.
 */
export function checkProfileRules(profile: SeccompProfile, path: DocumentPath): Diagnostic[] {
  const found: Diagnostic[] = [];
  const rules = profile.syscalls ?? [];
  if (profile.defaultAction === 'SCMP_ACT_NOTIFY') {
    found.push(
      error(
        'SCMP_ACT_NOTIFY cannot be the default action: runc and crun refuse it (every syscall would wait for the agent)',
        {path: [...path, 'defaultAction']},
      ),
    );
  }
  if (profile.defaultErrnoRet !== undefined && !returnsErrno.has(profile.defaultAction)) {
    found.push(
      warning(
        `defaultErrnoRet is ignored with defaultAction ${profile.defaultAction}: it applies to SCMP_ACT_ERRNO and SCMP_ACT_TRACE only`,
        {path: [...path, 'defaultErrnoRet']},
      ),
    );
  }
  const notifying = rules.findIndex((rule) => rule.action === 'SCMP_ACT_NOTIFY');
  if (notifying !== -1 && profile.listenerPath === undefined) {
    found.push(
      error(
        "a rule uses SCMP_ACT_NOTIFY but the profile has no listenerPath: the runtime needs the seccomp agent's socket",
        {path: [...path, 'syscalls', notifying, 'action']},
      ),
    );
  }
  if (notifying === -1 && profile.defaultAction !== 'SCMP_ACT_NOTIFY' && profile.listenerPath !== undefined) {
    found.push(
      warning('listenerPath is set but no rule uses SCMP_ACT_NOTIFY: the agent will never be called', {
        path: [...path, 'listenerPath'],
      }),
    );
  }
  for (const [r, rule] of rules.entries()) {
    const at = [...path, 'syscalls', r];
    if (rule.action === 'SCMP_ACT_NOTIFY' && rule.names?.includes('write')) {
      found.push(
        error(
          'SCMP_ACT_NOTIFY cannot apply to the write syscall: runc refuses it (the runtime itself must write to the agent)',
          {path: [...at, 'names', rule.names!.indexOf('write')]},
        ),
      );
    }
    if (rule.errnoRet !== undefined && !returnsErrno.has(rule.action)) {
      found.push(
        warning(
          `errnoRet is ignored with action ${rule.action}: it applies to SCMP_ACT_ERRNO and SCMP_ACT_TRACE only`,
          {path: [...at, 'errnoRet']},
        ),
      );
    }
    for (const [a, arg] of (rule.args ?? []).entries()) {
      for (const key of ['value', 'valueTwo'] as const) {
        const value = arg[key];
        if (value !== undefined && !Number.isSafeInteger(value)) {
          found.push(
            error(`${key} ${value} is above 2^53-1: cosi cannot carry it exactly through YAML/JSON numbers`, {
              path: [...at, 'args', a, key],
              detail:
                'expected an integer up to 9007199254740991; for a mask of high bits compare with SCMP_CMP_MASKED_EQ on a smaller value where possible',
            }),
          );
        }
      }
      if (arg.valueTwo !== undefined && arg.valueTwo !== 0 && arg.op !== 'SCMP_CMP_MASKED_EQ') {
        found.push(
          warning(`valueTwo is ignored with ${arg.op}: only SCMP_CMP_MASKED_EQ uses it`, {
            path: [...at, 'args', a, 'valueTwo'],
          }),
        );
      }
    }
  }
  return found;
}

import type {NodeConfig} from '../../config/generated/types.js';
import type {Diagnostic} from '../../diag/diagnostic.js';
import {containerdDivergence} from './containerd-divergence.js';
import {checkProfileRules} from './profile-rules.js';
import {checkSyscallNames} from './syscall-names.js';

/**
 * checkSeccompProfiles is the seccomp part of the document rules (called from `checkRules`, so every diagnostic
 * gets its position): syscall names against libseccomp's shipped table, the runtime rules the schema cannot
 * express, and warnings where containerd would read an extended-format profile differently. Offline and pure.
 */
export function checkSeccompProfiles(config: NodeConfig): Diagnostic[] {
  const found: Diagnostic[] = [];
  for (const [name, profile] of Object.entries(config.spec?.seccomp?.profiles ?? {})) {
    const path = ['spec', 'seccomp', 'profiles', name];
    found.push(
      ...checkSyscallNames(profile, path),
      ...checkProfileRules(profile, path),
      ...containerdDivergence(profile, path),
    );
  }
  return found;
}

import type {PreviewStep} from '../transaction-preview.js';
import {compareDpkgVersions} from '../version/dpkg.js';

const inst = /^Inst (\S+) (?:\[(\S+)\] )?\((\S+) /;
const remv = /^Remv (\S+)(?: \[(\S+)\])?/;

/**
 * parseAptTransactionSimulation reads `apt-get -s install|remove …` (apt's resolver answering without changing
 * anything): `Inst NAME [OLD] (NEW SOURCE [ARCH])` is an install (no OLD) or an upgrade, downgrade or reinstall by
 * dpkg's order of OLD and NEW; `Remv NAME [OLD]` a removal; `Conf` lines repeat the installs and are skipped. The
 * `:arch` qualifier of foreign packages is kept (`libc6:i386` is another package than `libc6`). Lines it does not
 * know are skipped. Pure.
 */
export function parseAptTransactionSimulation(stdout: string): PreviewStep[] {
  const steps: PreviewStep[] = [];
  for (const line of stdout.split('\n')) {
    const installed = inst.exec(line);
    if (installed) {
      const [, name, from, to] = installed;
      if (from === undefined) {
        steps.push({name: name!, op: 'install', to: to!});
        continue;
      }
      const order = compareDpkgVersions(to!, from);
      steps.push({name: name!, op: order > 0 ? 'upgrade' : order < 0 ? 'downgrade' : 'reinstall', from, to: to!});
      continue;
    }
    const removed = remv.exec(line);
    if (removed) steps.push({name: removed[1]!, op: 'remove', ...(removed[2] ? {from: removed[2]} : {})});
  }
  return steps;
}

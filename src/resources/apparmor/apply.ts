import {payload} from '../../plan/change.js';
import {appliedRecord} from '../../engine/state.js';
import type {Host} from '../../host/host.js';
import type {ApplyOutcome, ApplyRequest} from '../../engine/provider.js';
import {runChecked} from '../shared/run-checked.js';
import type {ApparmorChangeData} from './plan.js';
import {checkProfile, findParser, parserOnStdin} from './probe.js';

async function parser(host: Host): Promise<string> {
  const found = await findParser(host);
  if (found === null) throw new Error('apparmor_parser is not installed on the node');
  return found;
}

/**
 * applyApparmor carries out one planned profile change: writes the profile file atomically (only when it differs)
 * and loads it with `apparmor_parser -r` (replace: confined processes get the new policy at once); on delete it
 * unloads the profile (`apparmor_parser -R`, given the name on standard input, so a missing or edited file does not
 * matter) and removes the file, or puts back and loads the file cosi found. Idempotent.
 */
export async function applyApparmor({host, change, state}: ApplyRequest<ApparmorChangeData>): Promise<ApplyOutcome> {
  const data = payload(change);
  if (change.action === 'delete') {
    // A kernel without AppArmor has nothing to unload or reload: the file alone is put right, without the parser.
    if (data.unload)
      await runChecked(host, {
        argv: parserOnStdin(await parser(host), ['-R']),
        input: `profile ${data.name} {}\n`,
        timeoutMs: 120_000,
      });
    if (data.restore === undefined) await host.remove(data.path);
    else {
      await host.writeAtomic(data.path, data.restore, {mode: 0o644});
      if (data.reload) await runChecked(host, {argv: [await parser(host), '-r', data.path], timeoutMs: 120_000});
    }
    return {forget: true};
  }
  const apparmorParser = await parser(host);
  if (data.check && data.write !== undefined) {
    const checked = await checkProfile(host, apparmorParser, data.write);
    if (!checked.ok)
      throw new Error(
        `apparmor_parser rejects profile ${data.name}: ${checked.messages.map((m) => (m.line ? `line ${m.line}: ${m.message}` : m.message)).join('; ')}`,
      );
    if (!checked.names.includes(data.name))
      throw new Error(
        `profile ${data.name}: the text must declare \`profile ${data.name}\`; it declares ${checked.names.join(', ') || 'no profile'}`,
      );
  }
  if (data.write !== undefined) await host.writeAtomic(data.path, data.write, {mode: 0o644});
  await runChecked(host, {argv: [apparmorParser, '-r', data.path], timeoutMs: 120_000});
  return {record: appliedRecord({state, change, original: data.original})};
}

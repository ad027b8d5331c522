import {OperationalError} from '../../diag/cosi-error.js';
import {createInterface} from 'node:readline/promises';
import {applyChanges, type ApplyListener, type StopSignal} from '../../engine/apply-changes.js';
import {removeLeftovers} from '../../engine/leftovers.js';
import {acquireLock} from '../../engine/lock.js';
import {restartsOwedByInterrupted} from '../../engine/interrupted-restarts.js';
import {journalFile, readInterrupted} from '../../engine/journal.js';
import {createHost} from '../../host/host.js';
import type {Change} from '../../plan/change.js';
import {summarize} from '../../plan/plan.js';
import {providers} from '../../resources/registry.js';
import type {Options} from '../args.js';
import {configInNode, configPath, load, probeAndPlan, report} from '../context.js';
import {readInput} from '../../config/read-input.js';
import {nodeId} from '../node-id.js';
import {paint, type Output} from '../output.js';
import {changeJson} from '../render/plan-json.js';
import {renderPlanText, summaryLine} from '../render/plan-text.js';
import {approvalProblem, parseSavedPlan, savedPlanProblem} from '../saved-plan.js';

/**
 * apply makes the node match the document (or carries out a saved plan exactly, refusing it when the node changed
 * since). It holds the node's lock, asks on a terminal unless --auto-approve, refuses without a terminal, prints a
 * line per change, stops at the first failure, and checks afterwards that the changes took. Exit 0 or 1.
 */
export async function apply(options: Options, output: Output): Promise<number> {
  const file = configPath(options);
  const read = await readInput(file, configInNode(options));
  report(output, read.diagnostic ? [read.diagnostic] : []);
  const saved = parseSavedPlan(read.text!);
  const document = await load(
    options,
    output,
    saved ? saved.document.json : read.text!,
    saved ? saved.document.file : file,
  );
  const host = createHost({root: options.root});
  if (!options.autoApprove && !process.stdin.isTTY) {
    throw new OperationalError('apply needs --auto-approve when standard input is not a terminal; nothing was changed');
  }
  const lock = await acquireLock(host, options.lockTimeout);
  try {
    const interrupted = await readInterrupted(host);
    if (interrupted) {
      const last = interrupted.filter((e) => e.event === 'start').at(-1);
      const owed = restartsOwedByInterrupted(interrupted).map((r) => r.unit);
      output.err(
        `cosi: warning: a previous apply was interrupted${last && 'address' in last ? ` during ${last.address}` : ''}; planning again from the node as it is now${owed.length > 0 ? `, with the restarts it still owed (${owed.join(', ')})` : ''}`,
      );
    }
    const {plan, state} = await probeAndPlan(options, document, host);
    report(output, plan.diagnostics);
    // Conditions are not changes: said once, never a reason to fail (SPEC §2).
    for (const c of plan.conditions) output.err(`cosi: condition: ${c.address}: ${c.message}`);
    const changes: readonly Change[] = plan.changes;
    if (saved) {
      const problem = savedPlanProblem(saved, await nodeId(host), host.root);
      if (problem) {
        throw new OperationalError(`refusing the saved plan: ${problem}`);
      }
      const refused = approvalProblem(saved, plan);
      if (refused) throw new OperationalError(`refusing the saved plan: ${refused}; nothing was changed`);
    }
    // What an interrupted apply left (apt: cosi's policy-rc.d) goes before anything else changes.
    for (const note of await removeLeftovers(host, providers)) output.err(`cosi: note: ${note}`);
    if (changes.length === 0) {
      // An interrupted apply that had already done everything: the node is converged, the journal is history.
      if (interrupted) await host.remove(journalFile);
      if (options.json) output.out(JSON.stringify({type: 'summary', formatVersion: '1', applied: 0, ...summarize([])}));
      else output.out(summaryLine({changes, conditions: plan.conditions}));
      return 0;
    }
    if (!options.json)
      output.out(
        renderPlanText(
          output,
          {...plan, changes},
          `cosi apply: node ${JSON.stringify(document.desired.nodeName)} from ${document.file}`,
        ),
      );
    if (!options.autoApprove && !(await confirm(output))) {
      output.err('Apply cancelled; nothing was changed.');
      return 1;
    }
    // SIGTERM (systemd stopping the unit, a node draining) and SIGINT stop the apply between two changes; the lock is
    // released and the journal kept, so the next apply resumes.
    const stop: StopSignal = {};
    const onSignal = (signal: NodeJS.Signals) => {
      stop.requested = signal;
      output.err(`cosi: ${signal}: stopping after the change in progress`);
    };
    process.on('SIGTERM', onSignal).on('SIGINT', onSignal);
    const result = await applyChanges({
      host,
      changes,
      state,
      providers,
      listener: listener(options, output),
      stop,
    }).finally(() => {
      process.off('SIGTERM', onSignal).off('SIGINT', onSignal);
    });
    if (result.stopped) {
      throw new OperationalError(
        `stopped by ${result.stopped}: ${result.applied.length} of ${changes.length} changes were made; run cosi apply again to carry out the rest`,
      );
    }
    if (result.failed) {
      const message = `Apply failed at ${result.failed.change.address}: ${result.failed.message}. ${result.applied.length} of ${changes.length} changes were made${result.failed.partial ? `, and ${result.failed.change.address} was partly carried out before it failed` : ''}; the rest were not attempted. Fix the cause and run cosi apply again.`;
      if (options.json)
        output.out(
          JSON.stringify({
            type: 'summary',
            formatVersion: '1',
            ok: false,
            applied: result.applied.length,
            total: changes.length,
          }),
        );
      throw new OperationalError(message);
    }
    const after = await probeAndPlan(options, document, host);
    // A change that owes a reboot stays in the plan until the node reboots (that is how drift reports the owed
    // reboot); it is not a failure of this apply.
    const owed = after.plan.changes.filter(
      (c) => c.disruption === 'reboot' && changes.some((d) => d.address === c.address),
    );
    // A unit start queued with systemd during boot happens once cosi has ended; the node cannot show it yet.
    const queued = result.queued ?? new Map<string, string>();
    for (const [address, how] of queued) output.err(`cosi: note: ${address}: ${how}`);
    const left = after.plan.changes.filter(
      (c) => c.disruption !== 'reboot' && !queued.has(c.address) && changes.some((d) => d.address === c.address),
    );
    if (options.json)
      output.out(
        JSON.stringify({
          type: 'summary',
          formatVersion: '1',
          ok: left.length === 0,
          applied: result.applied.length,
          ...summarize(result.applied),
          rebootRequired: owed.length > 0,
          writes: host.stats.writes,
        }),
      );
    if (owed.length > 0)
      output.err(
        `cosi: warning: a reboot is owed to complete ${owed.map((c) => c.address).join(', ')}; cosi never reboots by itself`,
      );
    if (!options.json)
      output.out(
        paint(
          output,
          'bold',
          `\nApply complete! ${result.applied.length} ${result.applied.length === 1 ? 'change' : 'changes'} made.`,
        ),
      );
    if (left.length > 0) {
      throw new OperationalError(`after apply the node still differs for ${left.map((c) => c.address).join(', ')}`);
    }
    return 0;
  } finally {
    await lock.release();
  }
}

function listener(options: Options, output: Output): ApplyListener {
  if (options.json) {
    const emit = (type: string, change: Change, extra: Record<string, unknown> = {}) =>
      output.out(JSON.stringify({type, ...changeJson(change), ...extra}));
    return {
      onStart: (c) => emit('apply_start', c),
      onComplete: (c, ms) => emit('apply_complete', c, {elapsedMs: ms}),
      onError: (c, message) => emit('apply_errored', c, {error: message}),
    };
  }
  return {
    onStart: (c) => output.out(`${c.address}: ${c.action === 'delete' ? 'restoring' : 'applying'}...`),
    onComplete: (c, ms) => output.out(`${c.address}: ${c.action} complete after ${ms} ms`),
    onError: (c, message) => output.out(paint(output, 'red', `${c.address}: failed: ${message}`)),
  };
}

async function confirm(output: Output): Promise<boolean> {
  const rl = createInterface({input: process.stdin, output: process.stderr});
  try {
    const answer = await rl.question(
      `\n${paint(output, 'bold', 'Do you want to apply these changes?')} Only 'yes' will be accepted: `,
    );
    return answer.trim() === 'yes';
  } finally {
    rl.close();
  }
}

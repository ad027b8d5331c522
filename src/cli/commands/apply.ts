import {OperationalError} from '../../diag/cosi-error.js';
import {createInterface} from 'node:readline/promises';
import type {ApplyListener, StopSignal} from '../../engine/apply-changes.js';
import {applyPlan, type ApplyEvent, type ApplyReport} from '../../engine/run-apply.js';
import {parseSavedPlan} from '../../engine/saved-plan.js';
import type {Change} from '../../plan/change.js';
import {summarize} from '../../plan/plan.js';
import {readInput} from '../../config/read-input.js';
import type {Options} from '../args.js';
import {configInNode, configPath, Failed, load, nodeContext, report} from '../context.js';
import {hasErrors} from '../../diag/diagnostic.js';
import {formatDiagnostic} from '../../diag/format.js';
import {paint, type Output} from '../output.js';
import {changeJson} from '../render/plan-json.js';
import {renderPlanText, summaryLine} from '../render/plan-text.js';

/**
 * apply makes the node match the document (or carries out a saved plan exactly, refusing it when the node changed
 * since): it parses the command line, calls the engine's `applyPlan` and renders its events and report. It asks on a
 * terminal unless --auto-approve, refuses without a terminal, prints a line per change; SIGTERM and SIGINT stop the
 * apply between two changes. Exit 0 or 1.
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
  if (!options.autoApprove && !process.stdin.isTTY) {
    throw new OperationalError('apply needs --auto-approve when standard input is not a terminal; nothing was changed');
  }
  // Once changes are being made, SIGTERM (systemd stopping the unit, a node draining) and SIGINT stop the apply
  // between two changes; the lock is released and the journal kept, so the next apply resumes.
  const stop: StopSignal = {};
  const onSignal = (signal: NodeJS.Signals) => {
    stop.requested = signal;
    output.err(`cosi: ${signal}: stopping after the change in progress`);
  };
  const ended = await applyPlan({
    ...nodeContext(options),
    document,
    ...(saved ? {saved} : {}),
    lockTimeoutMs: options.lockTimeout,
    approve: async (plan) => {
      const title = `cosi apply: node ${JSON.stringify(document.desired.nodeName)} from ${document.file}`;
      if (!options.json) output.out(renderPlanText(output, plan, title));
      return options.autoApprove || (await confirm(output));
    },
    progress: (event) => {
      if (event.type === 'applying') process.on('SIGTERM', onSignal).on('SIGINT', onSignal);
      else renderEvent(output, event);
    },
    listener: listener(options, output),
    stop,
  }).finally(() => {
    process.off('SIGTERM', onSignal).off('SIGINT', onSignal);
  });
  return renderReport(options, output, ended);
}

/** renderEvent prints what the apply says as it goes, on stderr. */
function renderEvent(output: Output, event: Exclude<ApplyEvent, {type: 'applying'}>): void {
  switch (event.type) {
    case 'interrupted': {
      const {during, owedTargets} = event.interrupted;
      output.err(
        `cosi: warning: a previous apply was interrupted${during !== undefined ? ` during ${during}` : ''}; planning again from the node as it is now${owedTargets.length > 0 ? `, with the restarts it still owed (${owedTargets.join(', ')})` : ''}`,
      );
      return;
    }
    case 'planned':
      for (const d of event.plan.diagnostics) output.err(formatDiagnostic(d, output.color));
      // Conditions are not changes: said once, never a reason to fail (SPEC §2).
      if (!hasErrors(event.plan.diagnostics))
        for (const c of event.plan.conditions) output.err(`cosi: condition: ${c.address}: ${c.message}`);
      return;
    case 'leftover-removed':
      output.err(`cosi: note: ${event.note}`);
      return;
  }
}

/** renderReport prints how the apply ended and gives the exit code; a failure is thrown as an OperationalError. */
function renderReport(options: Options, output: Output, ended: ApplyReport): number {
  const total = ended.plan.changes.length;
  switch (ended.outcome) {
    case 'plan-failed':
      throw new Failed(ended.plan.diagnostics);
    case 'refused':
      throw new OperationalError(`refusing the saved plan: ${ended.reason}`);
    // `held` needs a `hold`, which the command does not pass: nothing was changed, as when converged.
    case 'held':
    case 'converged':
      if (options.json) output.out(JSON.stringify({type: 'summary', formatVersion: '1', applied: 0, ...summarize([])}));
      else output.out(summaryLine({changes: [], conditions: ended.plan.conditions}));
      return 0;
    case 'cancelled':
      output.err('Apply cancelled; nothing was changed.');
      return 1;
    case 'stopped':
      throw new OperationalError(
        `stopped by ${ended.signal}: ${ended.result.applied.length} of ${total} changes were made; run cosi apply again to carry out the rest`,
      );
    case 'failed': {
      const {applied, failed} = ended.result;
      if (options.json)
        output.out(JSON.stringify({type: 'summary', formatVersion: '1', ok: false, applied: applied.length, total}));
      throw new OperationalError(
        `Apply failed at ${failed.change.address}: ${failed.message}. ${applied.length} of ${total} changes were made${failed.partial ? `, and ${failed.change.address} was partly carried out before it failed` : ''}; the rest were not attempted. Fix the cause and run cosi apply again.`,
      );
    }
    case 'applied':
      return renderApplied(options, output, ended);
  }
}

function renderApplied(options: Options, output: Output, ended: Extract<ApplyReport, {outcome: 'applied'}>): number {
  const {result, rebootOwed, queued, left} = ended;
  for (const [address, how] of queued) output.err(`cosi: note: ${address}: ${how}`);
  if (options.json)
    output.out(
      JSON.stringify({
        type: 'summary',
        formatVersion: '1',
        ok: left.length === 0,
        applied: result.applied.length,
        ...summarize(result.applied),
        rebootRequired: rebootOwed.length > 0,
        writes: ended.writes,
      }),
    );
  if (rebootOwed.length > 0)
    output.err(
      `cosi: warning: a reboot is owed to complete ${rebootOwed.map((c) => c.address).join(', ')}; cosi never reboots by itself`,
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

import {actionSymbols, type Action} from '../../plan/action.js';
import type {Change} from '../../plan/change.js';
import type {Condition} from '../../plan/condition.js';
import {summarize, type Plan} from '../../plan/plan.js';
import {paint, type Output} from '../output.js';

const verbs: Readonly<Record<Action, string>> = {
  create: 'created',
  update: 'updated',
  delete: 'deleted',
  replace: 'replaced',
  noop: 'left as is',
};
const colors = {create: 'green', update: 'yellow', delete: 'red', replace: 'yellow', noop: 'dim'} as const;

function show(value: unknown): string {
  if (value === null || value === undefined) return '(none)';
  return typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value);
}

/** renderChange renders one change block: a comment with its reason, the change line, details, disruption. */
export function renderChange(output: Output, change: Change): string {
  const symbol = paint(output, colors[change.action], actionSymbols[change.action].padStart(3));
  const lines = [paint(output, 'bold', `  # ${change.address} will be ${verbs[change.action]}`) + `: ${change.reason}`];
  const values =
    change.before === null || change.before === undefined
      ? show(change.after)
      : `${show(change.before)} -> ${show(change.after)}`;
  // Key-level details say it better than two large JSON values.
  lines.push(
    change.details && change.details.length > 0
      ? `${symbol} ${change.address}`
      : `${symbol} ${change.address}: ${values}`,
  );
  for (const detail of change.details ?? []) lines.push(`        ${detail}`);
  if (change.disruption !== 'none') lines.push(paint(output, 'yellow', `        disruption: ${change.disruption}`));
  return lines.join('\n');
}

/** summaryLine is the plan's last line, as in Terraform. Replacements count as one create and one delete. */
export function summaryLine(plan: Pick<Plan, 'changes'> & Partial<Pick<Plan, 'conditions'>>): string {
  if (plan.changes.length === 0)
    return (plan.conditions ?? []).some((c) => c.type === 'package-lists-stale')
      ? 'No changes planned, but the package lists are stale (see the condition above): the node is not known to match the configuration.'
      : 'No changes. The node matches the configuration.';
  const s = summarize(plan.changes);
  return `Plan: ${s.create + s.replace} to create, ${s.update} to update, ${s.delete + s.replace} to delete.`;
}

/** renderPlanText renders a plan for people (SPEC §4). */
export function renderPlanText(output: Output, plan: Plan, header: string): string {
  const parts: string[] = [header, ''];
  if (plan.changes.length > 0) {
    parts.push(
      `Legend: ${paint(output, 'green', '+')} create  ${paint(output, 'yellow', '~')} update  ${paint(output, 'red', '-')} delete  ${paint(output, 'yellow', '-/+')} replace`,
      '',
    );
    parts.push('cosi will perform the following actions:', '');
    for (const change of plan.changes) parts.push(renderChange(output, change), '');
  }
  if (plan.bootNotes.length > 0) {
    parts.push(paint(output, 'yellow', 'Will not survive a reboot:'));
    for (const note of plan.bootNotes) parts.push(`  ! ${note.address}: ${note.message}`);
    parts.push('');
  }
  if (plan.conditions.length > 0) parts.push(renderConditions(output, plan.conditions), '');
  if (plan.unsupported.length > 0) {
    parts.push(
      paint(
        output,
        'yellow',
        `Not supported yet: this version of cosi plans nothing for ${plan.unsupported.join(', ')}.`,
      ),
      '',
    );
  }
  parts.push(paint(output, 'bold', summaryLine(plan)));
  return parts.join('\n');
}

/** renderConditions renders the conditions of a plan: what cosi reports and apply neither changes nor fails on. */
export function renderConditions(output: Output, conditions: readonly Condition[]): string {
  return [
    paint(output, 'yellow', 'Conditions (cosi reports them; apply does not change them and does not fail on them):'),
    ...conditions.map((c) => `  ? ${c.address}: ${c.message}`),
  ].join('\n');
}

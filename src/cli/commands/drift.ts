import {canonicalJson} from '../../engine/digest.js';
import type {Options} from '../args.js';
import {load, probeAndPlan, report} from '../context.js';
import type {Output} from '../output.js';
import {planJson} from '../render/plan-json.js';
import {renderPlanText} from '../render/plan-text.js';

/** drift is plan for cron: it reports differences between the document and the node and exits 2 when any. */
export async function drift(options: Options, output: Output): Promise<number> {
  const document = await load(options, output);
  const {plan, state} = await probeAndPlan(options, document);
  report(output, plan.diagnostics);
  const kinds = plan.changes.map((c) => ({address: c.address, cause: driftCause(state.resources[c.address]?.applied, c.after, c.action)}));
  if (options.json) output.out(JSON.stringify({...planJson(plan, {node: document.desired.nodeName}), type: 'drift', drifted: plan.changes.length > 0, differences: kinds}));
  else {
    output.out(renderPlanText(output, plan, `cosi drift: node ${JSON.stringify(document.desired.nodeName)} from ${document.file}`));
    for (const k of kinds) output.out(`drift: ${k.address} (${k.cause === 'node' ? 'the node changed behind cosi' : 'the document changed since the last apply'})`);
  }
  return plan.changes.length > 0 ? 2 : 0;
}

/** driftCause tells a node changed behind cosi's back from a document not applied yet. */
function driftCause(applied: unknown, after: unknown, action: string): 'node' | 'document' {
  if (action === 'create' || action === 'delete') return 'document';
  return applied !== undefined && canonicalJson(applied) === canonicalJson(after) ? 'node' : 'document';
}

import {writeFileAtomic} from '../../host/atomic-write.js';
import type {Options} from '../args.js';
import {load, probeAndPlan, report} from '../context.js';
import type {Output} from '../output.js';
import {planJson} from '../render/plan-json.js';
import {renderPlanText} from '../render/plan-text.js';
import {savedPlanOf} from '../../engine/saved-plan.js';

/**
 * plan probes the node (read-only) and prints the ordered changes. Exit 0; with --detailed-exitcode, 2 when
 * there are changes; 1 on any error.
 */
export async function plan(options: Options, output: Output): Promise<number> {
  const document = await load(options, output);
  const {plan: result, host} = await probeAndPlan(options, document);
  report(output, result.diagnostics);
  if (options.out) {
    const saved = await savedPlanOf(host, document, result);
    await writeFileAtomic(options.out, JSON.stringify(saved, null, 2) + '\n', {mode: 0o600});
  }
  if (options.json) output.out(JSON.stringify(planJson(result, {node: document.desired.nodeName})));
  else {
    output.out(
      renderPlanText(
        output,
        result,
        `cosi plan: node ${JSON.stringify(document.desired.nodeName)} from ${document.file}${host.root !== '/' ? ` (root ${host.root})` : ''}`,
      ),
    );
    if (options.out)
      output.out(`\nSaved the plan to ${options.out}. Apply exactly these changes with: cosi apply ${options.out}`);
  }
  return options.detailedExitcode && result.changes.length > 0 ? 2 : 0;
}

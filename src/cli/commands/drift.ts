import {loadState} from '../../engine/state.js';
import {writeFileAtomic} from '../../host/atomic-write.js';
import {createHost} from '../../host/host.js';
import type {Options} from '../args.js';
import {load, probeAndPlan, report} from '../context.js';
import type {Output} from '../output.js';
import {driftDifferences, renderDriftMetrics} from '../render/drift-metrics.js';
import {planJson} from '../render/plan-json.js';
import {renderPlanText} from '../render/plan-text.js';

/**
 * drift is plan for cron and fleets: it reports each difference between the document and the node, saying whether
 * the node changed behind cosi's back or the document changed since the last apply, and exits 2 when there is any
 * (0 none, 1 error). With --textfile it also writes node_exporter metrics, atomically, even when the run fails.
 */
export async function drift(options: Options, output: Output): Promise<number> {
  const now = new Date();
  try {
    const document = await load(options, output);
    const {plan, state} = await probeAndPlan(options, document);
    report(output, plan.diagnostics);
    const differences = driftDifferences(plan, state);
    if (options.textfile)
      await writeFileAtomic(
        options.textfile,
        renderDriftMetrics({
          plan,
          differences,
          now,
          ...(state.lastApply ? {lastApply: state.lastApply} : {}),
          ok: true,
        }),
      );
    if (options.json)
      output.out(
        JSON.stringify({
          ...planJson(plan, {node: document.desired.nodeName}),
          type: 'drift',
          drifted: differences.length > 0,
          differences,
        }),
      );
    else {
      output.out(
        renderPlanText(
          output,
          plan,
          `cosi drift: node ${JSON.stringify(document.desired.nodeName)} from ${document.file}`,
        ),
      );
      for (const d of differences)
        output.out(
          `drift: ${d.address} (${d.cause === 'node' ? 'the node changed behind cosi' : 'the document changed since the last apply'})`,
        );
    }
    return differences.length > 0 ? 2 : 0;
  } catch (cause) {
    if (options.textfile) {
      const state = await loadState(createHost({root: options.root})).catch(() => undefined);
      await writeFileAtomic(
        options.textfile,
        renderDriftMetrics({
          differences: [],
          now,
          ...(state?.lastApply ? {lastApply: state.lastApply} : {}),
          ok: false,
        }),
      ).catch(() => undefined);
    }
    throw cause;
  }
}

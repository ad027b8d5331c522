// The agent's door into the engine: planning and applying go through the engine's own entry points (planNode,
// applyPlan), with this cosi's providers and document sections.
import {applyPlan, type ApplyPlanRequest, type ApplyReport} from '../engine/run-apply.js';
import {planNode as enginePlanNode, type NodePlan, type PlannedDocument} from '../engine/plan-node.js';
import type {Host} from '../host/host.js';
import {documentSections, providers} from '../resources/registry.js';

export type {NodePlan} from '../engine/plan-node.js';
export {observedBy} from '../engine/plan-node.js';

/**
 * planNode probes the node (read-only) and plans the document, as `cosi plan` does: restarts an interrupted apply
 * owed are planned again, and plan diagnostics get positions in the document.
 */
export function planNode(host: Host, document: PlannedDocument): Promise<NodePlan> {
  return enginePlanNode({host, document, providers, sections: documentSections});
}

/** ApplyRun is what the agent asks of one apply: the engine's request, without the providers it always uses. */
export type ApplyRun = Omit<ApplyPlanRequest, 'providers' | 'sections' | 'saved' | 'approve'>;

/**
 * applyDocument applies the document as `cosi apply --auto-approve` does, under the node's lock, planning afresh
 * there; `hold` keeps changes back (those that owe a reboot). `stop` stops between two changes.
 */
export function applyDocument(run: ApplyRun): Promise<ApplyReport> {
  return applyPlan({...run, providers, sections: documentSections});
}

import type {Change} from '../plan/change.js';
import type {Plan} from '../plan/plan.js';
import {version} from '../version.js';

/** SavedPlan is what `cosi plan --out` writes and `cosi apply PLAN` reads. */
export interface SavedPlan {
  readonly formatVersion: '1';
  readonly type: 'cosi-plan';
  readonly cosiVersion: string;
  readonly createdAt: string;
  /** Which node it was planned on: machine-id (or hostname) and root. */
  readonly node: {readonly id: string; readonly root: string};
  /** The document as validated (patches applied), as JSON text, and the file it came from. */
  readonly document: {readonly file: string; readonly json: string};
  readonly fingerprint: string;
  readonly changes: readonly Change[];
}

/** isSavedPlan tells a saved plan from a document by its text. */
export function parseSavedPlan(text: string): SavedPlan | undefined {
  if (!text.trimStart().startsWith('{')) return undefined;
  try {
    const value = JSON.parse(text) as Partial<SavedPlan>;
    return value.type === 'cosi-plan' ? (value as SavedPlan) : undefined;
  } catch {
    return undefined;
  }
}

/** savedPlanProblem says why a saved plan cannot be used on this node with this cosi, or undefined. */
export function savedPlanProblem(plan: SavedPlan, nodeId: string, root: string): string | undefined {
  if (plan.formatVersion !== '1') return `the plan file has format version ${JSON.stringify(plan.formatVersion)}; this cosi reads version "1"`;
  if (plan.cosiVersion !== version) return `the plan was made by cosi ${plan.cosiVersion}; this is cosi ${version}: plan again`;
  if (plan.node.id !== nodeId || plan.node.root !== root) return `the plan was made for node ${plan.node.id} (root ${plan.node.root}); this is node ${nodeId} (root ${root})`;
  return undefined;
}

/**
 * staleAddresses names the saved changes that the node no longer supports: those whose probed inputs differ in a
 * fresh plan of the same document (`now`), or which the fresh plan no longer has at all. Pure.
 */
export function staleAddresses(saved: readonly Change[], now: Pick<Plan, 'changes' | 'noops'>): string[] {
  const fresh = new Map([...now.changes, ...now.noops].map((c) => [c.address, c]));
  return saved.filter((c) => fresh.get(c.address)?.inputs !== c.inputs).map((c) => c.address);
}

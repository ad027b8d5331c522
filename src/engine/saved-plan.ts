import {OperationalError} from '../diag/cosi-error.js';
import type {Change} from '../plan/change.js';
import {canonicalJson} from './digest.js';
import type {Plan} from '../plan/plan.js';
import type {Host} from '../host/host.js';
import {version} from '../version.js';
import {nodeId} from './node-id.js';

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

/**
 * parseSavedPlan tells a saved plan from a document by its text: JSON with `"type": "cosi-plan"` is a plan, and is
 * then checked as strictly as any input (an OperationalError names what is wrong); anything else is a document.
 */
export function parseSavedPlan(text: string): SavedPlan | undefined {
  if (!text.trimStart().startsWith('{')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || (value as {type?: unknown}).type !== 'cosi-plan') return undefined;
  const problem = shapeProblem(value as Record<string, unknown>);
  if (problem)
    throw new OperationalError(
      `refusing the saved plan: it is not a valid cosi plan file (${problem}); nothing was changed`,
    );
  return value as SavedPlan;
}

function shapeProblem(plan: Record<string, unknown>): string | undefined {
  const strings = (object: unknown, keys: readonly string[], where: string) => {
    if (typeof object !== 'object' || object === null) return `${where} is not an object`;
    const bad = keys.find((k) => typeof (object as Record<string, unknown>)[k] !== 'string');
    return bad === undefined ? undefined : `${where}${where ? '.' : ''}${bad} is not a string`;
  };
  return (
    strings(plan, ['formatVersion', 'cosiVersion', 'createdAt', 'fingerprint'], '') ??
    strings(plan['node'], ['id', 'root'], 'node') ??
    strings(plan['document'], ['file', 'json'], 'document') ??
    (Array.isArray(plan['changes']) &&
    plan['changes'].every(
      (c) => typeof c === 'object' && c !== null && typeof (c as {address?: unknown}).address === 'string',
    )
      ? undefined
      : 'changes is not a list of changes with addresses')
  );
}

/** savedPlanProblem says why a saved plan cannot be used on this node with this cosi, or undefined. */
export function savedPlanProblem(plan: SavedPlan, nodeId: string, root: string): string | undefined {
  if (plan.formatVersion !== '1')
    return `the plan file has format version ${JSON.stringify(plan.formatVersion)}; this cosi reads version "1"`;
  if (plan.cosiVersion !== version)
    return `the plan was made by cosi ${plan.cosiVersion}; this is cosi ${version}: plan again`;
  if (plan.node.id !== nodeId || plan.node.root !== root)
    return `the plan was made for node ${plan.node.id} (root ${plan.node.root}); this is node ${nodeId} (root ${root})`;
  return undefined;
}

/**
 * approvalProblem compares a saved plan with a fresh plan of the same document on the same node: the saved plan is an
 * approval of exactly those changes, so the fresh plan is carried out only if it was made against the same probed
 * state (the fingerprint) and equals the saved one change for change, every field (data included) and in order.
 * Returns what differs, naming the addresses, or undefined. Nothing of the saved plan is ever carried out itself. Pure.
 */
export function approvalProblem(
  saved: SavedPlan,
  fresh: Pick<Plan, 'changes' | 'noops' | 'fingerprint'>,
): string | undefined {
  const savedChanges: readonly unknown[] = Array.isArray(saved.changes) ? saved.changes : [];
  const byAddress = new Map<string, unknown>();
  for (const change of savedChanges) {
    const address = (change as {address?: unknown})?.address;
    if (typeof address !== 'string') return 'the saved plan holds a change without an address';
    byAddress.set(address, change);
  }
  const stale = staleAddresses(savedChanges as readonly Change[], fresh);
  if (stale.length > 0)
    return `the saved plan is stale: the node changed since it was made, for ${stale.join(', ')}; run cosi plan again`;
  const added = fresh.changes.filter((c) => !byAddress.has(c.address)).map((c) => c.address);
  if (added.length > 0)
    return `the node now needs changes the saved plan does not approve: ${added.join(', ')}; run cosi plan again`;
  const differing = fresh.changes
    .filter((c) => canonicalJson(byAddress.get(c.address)) !== canonicalJson(c))
    .map((c) => c.address);
  if (differing.length > 0)
    return `the saved plan's changes differ from what cosi plans now for ${differing.join(', ')} (the plan file was edited, or the document or node changed); run cosi plan again`;
  if (
    savedChanges.length !== fresh.changes.length ||
    savedChanges.some((c, i) => (c as Change).address !== fresh.changes[i]!.address)
  ) {
    return 'the saved plan lists its changes in another order than cosi plans them now; run cosi plan again';
  }
  if (saved.fingerprint !== fresh.fingerprint)
    return `the node's probed state changed since the plan was made (fingerprint ${String(saved.fingerprint)}, now ${fresh.fingerprint}); run cosi plan again`;
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

/**
 * savedPlanOf is the saved form of a fresh plan of `document` on the node behind `host` (what `cosi plan --out`
 * writes): the document as validated, the node it was made on, the fingerprint and the changes. Read-only.
 */
export async function savedPlanOf(
  host: Host,
  document: {readonly file: string; readonly config: unknown},
  plan: Pick<Plan, 'changes' | 'fingerprint'>,
): Promise<SavedPlan> {
  return {
    formatVersion: '1',
    type: 'cosi-plan',
    cosiVersion: version,
    createdAt: new Date().toISOString(),
    node: {id: await nodeId(host), root: host.root},
    document: {file: document.file, json: JSON.stringify(document.config)},
    fingerprint: plan.fingerprint,
    changes: plan.changes,
  };
}

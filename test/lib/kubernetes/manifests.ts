// Helpers over rendered Kubernetes manifests: `kubectl kustomize` (Debian's kubernetes-client), the objects it
// prints, the DaemonSets' pods, and which nodes a pod spec's nodeSelector and required node affinity admit.
import {join} from 'node:path';
import {parseAllDocuments} from 'yaml';
import {repoRoot, run} from '../debian-root.js';
import {debianKubectl} from './kubectl.js';

/** kubectl is the kubectl the suites run: Debian's, from kubernetes-client (./kubectl.ts). */
export const kubectl = await debianKubectl();

/** deployDir is deploy/kubernetes/ of this checkout. */
export const deployDir = join(repoRoot, 'deploy/kubernetes');

/** K8sObject is a rendered object, loosely typed: the suites read what they check. */
export type K8sObject = {apiVersion: string; kind: string; metadata: {name: string; namespace?: string}} & Record<
  string,
  any // eslint-disable-line @typescript-eslint/no-explicit-any
>;

/** kustomize renders a kustomization directory (relative to deploy/kubernetes) with `kubectl kustomize`. */
export async function kustomize(dir: string): Promise<{objects: K8sObject[]; text: string}> {
  const out = await run([kubectl, 'kustomize', join(deployDir, dir)]);
  if (out.code !== 0) throw new Error(`kubectl kustomize ${dir} failed (${out.code}): ${out.stderr}`);
  const objects = parseAllDocuments(out.stdout).map((d) => {
    if (d.errors.length) throw new Error(`kubectl kustomize ${dir} printed bad YAML: ${d.errors[0]!.message}`);
    return d.toJS() as K8sObject;
  });
  return {objects, text: out.stdout};
}

/** only returns the one object of a kind (and name), failing when there is not exactly one. */
export function only(objects: readonly K8sObject[], kind: string, name?: string): K8sObject {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name ?? ''}, found ${found.length}`);
  return found[0]!;
}

type Requirement = {key: string; operator: string; values?: string[]};

/** admits says whether a node with these labels passes a pod spec's nodeSelector and required node affinity. */
export function admits(podSpec: K8sObject['spec'], labels: Record<string, string>): boolean {
  for (const [key, value] of Object.entries((podSpec.nodeSelector ?? {}) as Record<string, string>))
    if (labels[key] !== value) return false;
  const terms = (podSpec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ??
    []) as {matchExpressions?: Requirement[]}[];
  if (terms.length === 0) return true;
  // Terms are ORed, the expressions of a term ANDed (the scheduler's rule).
  return terms.some((term) => (term.matchExpressions ?? []).every((r) => matches(r, labels)));
}

function matches(requirement: Requirement, labels: Record<string, string>): boolean {
  const value = labels[requirement.key];
  switch (requirement.operator) {
    case 'In':
      return value !== undefined && (requirement.values ?? []).includes(value);
    case 'NotIn':
      return value === undefined || !(requirement.values ?? []).includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    default:
      throw new Error(`operator ${requirement.operator} is not modelled here`);
  }
}

import type {LoadedDocument} from '../config/load-document.js';
import {loadDocument} from '../resources/document.js';
import type {InNode} from '../config/read-input.js';
import {hasErrors} from '../diag/diagnostic.js';
import {formatDiagnostic} from '../diag/format.js';
import type {Diagnostic} from '../diag/diagnostic.js';
import {planNode} from '../engine/plan-node.js';
import type {Provider} from '../engine/provider.js';
import type {CosiState} from '../engine/state.js';
import {createHost, type Host} from '../host/host.js';
import {joinRoot} from '../host/node-path.js';
import type {Plan} from '../plan/plan.js';
import {documentSections, providers} from '../resources/registry.js';
import type {Options} from './args.js';
import type {Output} from './output.js';

/** defaultConfig is the document read when none is named (under --root). */
export const defaultConfig = '/etc/cosi/config.yaml';

/** Failed signals that diagnostics were printed (on stderr) and the command must exit 1; `--json` prints them again as one object. */
export class Failed extends Error {
  constructor(readonly diagnostics: readonly Diagnostic[] = []) {
    super('failed');
  }
}

/** report prints diagnostics to stderr; throws Failed when any is an error. */
export function report(output: Output, diagnostics: readonly Diagnostic[]): void {
  for (const d of diagnostics) output.err(formatDiagnostic(d, output.color));
  if (hasErrors(diagnostics)) throw new Failed(diagnostics);
}

/** configPath is the document named on the command line, or the default one under the root. */
export function configPath(options: Options): string {
  return options.positionals[0] ?? joinRoot(options.root, defaultConfig);
}

/** configInNode says how to read the default document: resolved inside the root. Undefined for a named file. */
export function configInNode(options: Options): InNode | undefined {
  return options.positionals[0] === undefined ? {root: options.root, nodePath: defaultConfig} : undefined;
}

/** load reads and validates the document, printing its diagnostics; throws Failed on errors. */
export async function load(
  options: Options,
  output: Output,
  text?: string,
  file = configPath(options),
): Promise<LoadedDocument> {
  const inNode = file === configPath(options) ? configInNode(options) : undefined;
  const {document, diagnostics} = await loadDocument({
    file,
    patches: options.patches,
    ...(text !== undefined ? {text} : {}),
    ...(inNode ? {inNode} : {}),
  });
  report(output, diagnostics);
  return document!;
}

/** NodeContext is what the engine's entry points need besides the document: the node and this cosi's providers. */
export interface NodeContext {
  readonly host: Host;
  readonly providers: readonly Provider[];
  readonly sections: readonly string[];
}

/** nodeContext is the node under --root with every registered provider. */
export function nodeContext(options: Options, host: Host = createHost({root: options.root})): NodeContext {
  return {host, providers, sections: documentSections};
}

/**
 * probeAndPlan probes the node and plans (the engine's `planNode`); plan diagnostics get positions in the document.
 * The owed work (restarts) that an interrupted apply (its journal is still there) never carried out is planned again.
 */
export async function probeAndPlan(
  options: Options,
  document: LoadedDocument,
  host: Host = createHost({root: options.root}),
): Promise<{plan: Plan; host: Host; state: CosiState}> {
  const {plan, state} = await planNode({...nodeContext(options, host), document});
  return {plan, host, state};
}

import {error, hasErrors, type Diagnostic} from '../diag/diagnostic.js';
import {applyPatches, type PatchFile} from './apply-patches.js';
import {checkRules, type DocumentCheck} from './check-rules.js';
import {buildDesiredState, type DesiredState} from './desired-state.js';
import type {NodeConfig} from './generated/types.js';
import {limits} from './limits.js';
import {Locator} from './locator.js';
import {parseYaml} from './parse-yaml.js';
import {readInput, type InNode} from './read-input.js';
import {validateSchema} from './validate-schema.js';

/** LoadRequest names the document and the patches to apply to it, in order. */
export interface LoadRequest {
  readonly file: string;
  readonly patches?: readonly string[];
  /** The document's text, when it was read already (a saved plan carries it). */
  readonly text?: string;
  /** The document is a node's file, resolved inside this root (the default document); `file` is its name. */
  readonly inNode?: InNode;
  /** The resource kinds' own document rules (the registry's `documentChecks`). */
  readonly checks: readonly DocumentCheck[];
}

/** LoadedDocument is a valid document: the config as written (after patches), and the merged desired state. */
export interface LoadedDocument {
  readonly file: string;
  readonly text: string;
  readonly config: NodeConfig;
  readonly desired: DesiredState;
  readonly locator: Locator;
  readonly warnings: readonly Diagnostic[];
}

/**
 * loadDocument reads, patches and validates a document: YAML syntax, the schema, then the semantic rules, and
 * returns every problem found at once, each with a position. Reads only the files named; never the node.
 */
export async function loadDocument(
  request: LoadRequest,
): Promise<{document?: LoadedDocument; diagnostics: Diagnostic[]}> {
  let text = request.text;
  if (text === undefined) {
    const read = await readInput(request.file, request.inNode);
    if (read.diagnostic) return {diagnostics: [read.diagnostic]};
    text = read.text!;
  }
  const parsed = parseYaml(request.file, text);
  if (!parsed.parsed) return {diagnostics: parsed.diagnostics};

  const patches: PatchFile[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const file of request.patches ?? []) {
    const read = await readInput(file);
    if (read.diagnostic) {
      diagnostics.push(read.diagnostic);
      continue;
    }
    const patch = parseYaml(file, read.text!);
    if (!patch.parsed) diagnostics.push(...patch.diagnostics);
    else patches.push({operations: patch.parsed.value, source: patch.parsed.source});
  }
  if (diagnostics.length > 0) return {diagnostics};
  const patched = applyPatches(parsed.parsed.value, patches);
  if (patched.diagnostics.length > 0) return {diagnostics: patched.diagnostics};

  const locator = new Locator(parsed.parsed.source, patched.origins);
  const schemaProblems = validateSchema(patched.document);
  if (schemaProblems.length > 0) {
    const shown = schemaProblems.slice(0, limits.maxDiagnostics);
    const located = sortByPosition(
      shown.map((p) => ({...p.diagnostic, source: locator.locate(p.diagnostic.path ?? [], {key: p.onKey})})),
    );
    const more = schemaProblems.length - shown.length;
    return {
      diagnostics: more > 0 ? [...located, error(`${more} more problems in ${request.file} not shown`)] : located,
    };
  }
  const config = patched.document as NodeConfig;
  const ruleProblems = locator.place(checkRules(config, request.checks), {key: true});
  if (hasErrors(ruleProblems)) return {diagnostics: sortByPosition(ruleProblems)};
  if (typeof config !== 'object' || config === null) return {diagnostics: [error('expected a NodeConfig map')]};
  return {
    document: {file: request.file, text, config, desired: buildDesiredState(config), locator, warnings: ruleProblems},
    diagnostics: ruleProblems,
  };
}

/** sortByPosition orders diagnostics by file, line and column, as a reader goes through the file. */
function sortByPosition(diagnostics: Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      (a.source?.file ?? '').localeCompare(b.source?.file ?? '') ||
      (a.source?.line ?? 0) - (b.source?.line ?? 0) ||
      (a.source?.col ?? 0) - (b.source?.col ?? 0),
  );
}

import test from 'ava';
import {readdirSync, readFileSync} from 'node:fs';
import {join, relative} from 'node:path';
import ts from 'typescript';
import {resourceKinds} from '../../src/plan/resource-kind.js';

// The engine's shape (issue #14, acceptance 3), checked on the source itself: the engine holds no kind's name and no
// unit name, the config layer imports nothing from the resources, and the CLI's apply command reaches the resources
// and the host only for types (it parses, calls the engine and renders). Comments are free to name anything.

const repo = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../../..');

function sources(dir: string): string[] {
  return readdirSync(join(repo, dir), {recursive: true, withFileTypes: true})
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(repo, join(e.parentPath, e.name)));
}

function parse(file: string, text = readFileSync(join(repo, file), 'utf8')): ts.SourceFile {
  return ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
}

/** literals yields every string and template text and every identifier of the code (comments are not nodes). */
function* words(node: ts.Node): Generator<{kind: 'string' | 'identifier'; text: string}> {
  if (ts.isStringLiteralLike(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node))
    yield {kind: 'string', text: node.text};
  else if (ts.isIdentifier(node)) yield {kind: 'identifier', text: node.text};
  for (const child of node.getChildren()) yield* words(child);
}

const unitWords = /containerd|kubelet|crio|cri-o|\.service\b/i;

/** knowledge names what a file's code knows of resource kinds and units. */
function knowledge(source: ts.SourceFile): string[] {
  const found: string[] = [];
  for (const word of words(source)) {
    if (unitWords.test(word.text)) found.push(`${word.kind} ${JSON.stringify(word.text)} names a unit`);
    else if (
      word.kind === 'string' &&
      resourceKinds.some((kind) => word.text === kind || word.text.startsWith(`${kind}.`))
    )
      found.push(`string ${JSON.stringify(word.text)} names a resource kind`);
  }
  return found;
}

/** imports lists a file's module specifiers, each with whether it brings in types only. */
function imports(source: ts.SourceFile): {from: string; typeOnly: boolean}[] {
  const found: {from: string; typeOnly: boolean}[] = [];
  const visit = (node: ts.Node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      const from = (node.moduleSpecifier as ts.StringLiteral).text;
      let typeOnly: boolean;
      if (ts.isImportDeclaration(node)) {
        const clause = node.importClause;
        const named = clause?.namedBindings;
        typeOnly =
          clause !== undefined &&
          (clause.isTypeOnly ||
            (clause.name === undefined &&
              named !== undefined &&
              ts.isNamedImports(named) &&
              named.elements.every((e) => e.isTypeOnly)));
      } else typeOnly = node.isTypeOnly;
      found.push({from, typeOnly});
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      found.push({from: arg && ts.isStringLiteralLike(arg) ? arg.text : '<computed>', typeOnly: false});
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

test('the checks themselves see code and not comments', (t) => {
  const sample = parse(
    'sample.ts',
    "// the kubelet, service.kubelet\nconst a = 'service';\nconst b = `restart:${u}.service`;\nconst c = 'restart';\nimport type {X} from '../resources/x.js';\nimport {y} from '../host/y.js';\nimport {type Z} from '../host/z.js';\n",
  );
  t.deepEqual(knowledge(sample), ['string "service" names a resource kind', 'string ".service" names a unit']);
  t.deepEqual(imports(sample), [
    {from: '../resources/x.js', typeOnly: true},
    {from: '../host/y.js', typeOnly: false},
    {from: '../host/z.js', typeOnly: true},
  ]);
});

test('src/engine holds no resource kind name and no unit name in its code', (t) => {
  const files = sources('src/engine');
  t.true(files.length > 10, 'the engine sources were found');
  const found = files.flatMap((file) => knowledge(parse(file)).map((k) => `${file}: ${k}`));
  t.deepEqual(found, []);
});

test('src/config imports nothing from src/resources', (t) => {
  const files = sources('src/config');
  t.true(files.length > 5, 'the config sources were found');
  const found = files.flatMap((file) =>
    imports(parse(file))
      .filter((i) => /(^|\/)resources\//.test(i.from))
      .map((i) => `${file}: imports ${i.from}`),
  );
  t.deepEqual(found, []);
});

test('the CLI apply command reaches src/resources and src/host only for types', (t) => {
  const file = 'src/cli/commands/apply.ts';
  const found = imports(parse(file))
    .filter((i) => /(^|\/)(resources|host)\//.test(i.from) && !i.typeOnly)
    .map((i) => `${file}: imports ${i.from}`);
  t.deepEqual(found, []);
  t.true(
    imports(parse(file)).some((i) => i.from.endsWith('/engine/run-apply.js')),
    'apply calls the engine',
  );
});

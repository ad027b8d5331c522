import test from 'ava';
import {loadDocument} from '../../src/resources/document.js';
import {formatDiagnostic} from '../../src/diag/format.js';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

// A conflict between two places of the document is located at both: the error at one, a `note:` line at the other.

const cases: Array<[string, string, RegExp, RegExp]> = [
  [
    'a module blocked here and needed by a CSI driver there',
    'spec:\n  modules:\n    nfs: {state: blocked}\n  csi:\n    drivers:\n      nfs.csi.k8s.io:\n        modules: [nfs]\n',
    /doc\.yaml:10:19: error: CSI driver nfs\.csi\.k8s\.io needs module nfs, which spec\.modules\.nfs blocks/,
    /doc\.yaml:6:5: note: module nfs is blocked here \(at spec\.modules\.nfs\)/,
  ],
  [
    'a package installed and removed',
    'spec:\n  packages:\n    install: {curl: "*"}\n    remove: [curl]\n',
    /doc\.yaml:7:14: error: package curl is both to be installed/,
    /doc\.yaml:6:15: note: package curl is to be installed here/,
  ],
  [
    'two constraints on one package',
    'spec:\n  packages:\n    install: {containerd: "1.6.20"}\n  runtime: {engine: containerd, version: ">= 1.7"}\n',
    /doc\.yaml:7:\d+: error: conflicting version constraints on package containerd/,
    /doc\.yaml:6:\d+: note: package containerd is constrained to "1\.6\.20" here/,
  ],
];

for (const [name, spec, error, note] of cases) {
  test(`${name}: the error at one place, a note at the other`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'cosi-related-'));
    t.teardown(() => rmSync(dir, {recursive: true, force: true}));
    const file = join(dir, 'doc.yaml');
    writeFileSync(file, `apiVersion: cosi.dev/v1alpha1\nkind: NodeConfig\nmetadata: {name: n}\n${spec}`);
    const {diagnostics} = await loadDocument({file});
    const text = diagnostics.map((d) => formatDiagnostic(d)).join('\n');
    t.regex(text, error);
    t.regex(text, note);
  });
}

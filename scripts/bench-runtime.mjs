#!/usr/bin/env node
// Runtime settings benchmark: a document with N containerd `settings` keys (half of them already in config.toml
// with other values, half new) against a fixture root holding the file, planned and applied in process with the
// runtime provider (load + validate of the document included), for N = 1,000 / 5,000 / 10,000. The edit of the TOML
// file is one pass over one parse: the figures should grow linearly. Needs `npm run build` first.
// Usage: node scripts/bench-runtime.mjs
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (path) => join(repo, 'dist', path);
const {createHost} = await import(dist('src/host/host.js'));
const {makePlan} = await import(dist('src/engine/make-plan.js'));
const {applyChanges} = await import(dist('src/engine/apply-changes.js'));
const {loadState} = await import(dist('src/engine/state.js'));
const {loadDocument} = await import(dist('src/resources/document.js'));
const {runtimeProvider} = await import(dist('src/resources/runtime/provider.js'));
const {documentSections} = await import(dist('src/resources/registry.js'));

const table = 'io.containerd.grpc.v1.cri';
for (const n of [1000, 5000, 10000]) {
  const root = mkdtempSync(join(tmpdir(), 'cosi-bench-runtime-'));
  try {
    mkdirSync(join(root, 'etc/containerd'), {recursive: true});
    let toml = `version = 2\n\n[plugins."${table}"]\n`;
    for (let i = 0; i < n / 2; i++) toml += `  bench_${i} = ${i}\n`;
    writeFileSync(join(root, 'etc/containerd/config.toml'), toml);
    const keys = Object.fromEntries(Array.from({length: n}, (_, i) => [`bench_${i}`, i + 1]));
    const file = join(root, 'doc.json');
    writeFileSync(
      file,
      JSON.stringify({
        apiVersion: 'cosi.dev/v1alpha1',
        kind: 'NodeConfig',
        metadata: {name: 'bench'},
        spec: {runtime: {engine: 'containerd', settings: {plugins: {[table]: keys}}}},
      }),
    );
    const host = createHost({root});
    const started = performance.now();
    const {document, diagnostics} = await loadDocument({file});
    if (!document) throw new Error(diagnostics.map((d) => d.summary).join('; '));
    const plan = await makePlan({
      host,
      desired: document.desired,
      state: await loadState(host),
      providers: [runtimeProvider],
      sections: documentSections,
    });
    const planned = performance.now();
    const errors = plan.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0) throw new Error(errors.map((d) => d.summary).join('; '));
    const result = await applyChanges({
      host,
      changes: plan.changes,
      state: await loadState(host),
      providers: [runtimeProvider],
    });
    if (result.failed) throw new Error(result.failed.message);
    const applied = performance.now();
    const again = await makePlan({
      host,
      desired: document.desired,
      state: await loadState(host),
      providers: [runtimeProvider],
      sections: documentSections,
    });
    const replanned = performance.now();
    console.log(
      `runtime settings, ${String(n).padStart(6)} keys: plan ${((planned - started) / 1000).toFixed(2)} s, apply ${((applied - planned) / 1000).toFixed(2)} s, plan again ${((replanned - applied) / 1000).toFixed(2)} s (${again.changes.length} changes left)`,
    );
  } finally {
    rmSync(root, {recursive: true, force: true});
  }
}

#!/usr/bin/env node
// Package planning benchmark: plan a document naming 300 packages against a node with 1,000 installed, with the real
// dpkg-query and apt-cache: a cached mmdebstrap Debian 12 root (test/lib/debian-root.ts; built on first use) whose
// /var/lib/dpkg/status gets 1,000 synthetic packages and whose only apt source is a synthetic local index offering
// newer versions of some. Prints the processes spawned (host.stats.spawned: at most one per manager query) and the
// wall time, in process and through the CLI. Needs root (chroot, mount) and `npm run build` first.
// Usage: node scripts/bench-packages.mjs
import {spawnSync} from 'node:child_process';
import {appendFileSync, mkdirSync, writeFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (path) => join(repo, 'dist', path);
const {createDebianRoot, must} = await import(dist('test/lib/debian-root.js'));
const {createHost} = await import(dist('src/host/host.js'));
const {makePlan} = await import(dist('src/engine/make-plan.js'));
const {loadState} = await import(dist('src/engine/state.js'));
const {buildDesiredState} = await import(dist('src/config/desired-state.js'));
const {packageProvider} = await import(dist('src/resources/package/provider.js'));
const {documentSections} = await import(dist('src/resources/registry.js'));

const installedCount = 1000;
const named = 300;
const name = (i) => `bench-pkg-${String(i).padStart(4, '0')}`;

const started = Date.now();
const root = await createDebianRoot({suite: 'bookworm', variant: 'apt', include: []});
try {
  const stanza = (i, version, extra = '') =>
    `Package: ${name(i)}\n${extra}Priority: optional\nSection: misc\nMaintainer: bench <bench@cosi.dev>\nArchitecture: all\nVersion: ${version}\nDescription: synthetic package ${i}\n\n`;
  appendFileSync(
    join(root.dir, 'var/lib/dpkg/status'),
    Array.from({length: installedCount}, (_, i) => stanza(i, '1.0-1', 'Status: install ok installed\n')).join(''),
  );
  // The repository offers 1.0-1 of every package and 2.0-1 of the first 100.
  mkdirSync(join(root.dir, 'srv/repo'), {recursive: true});
  const index = Array.from({length: installedCount}, (_, i) => [
    stanza(i, '1.0-1', `Filename: ./${name(i)}_1.0-1_all.deb\nSize: 1000\n`),
    ...(i < 100 ? [stanza(i, '2.0-1', `Filename: ./${name(i)}_2.0-1_all.deb\nSize: 1000\n`)] : []),
  ])
    .flat()
    .join('');
  writeFileSync(join(root.dir, 'srv/repo/Packages'), index);
  writeFileSync(join(root.dir, 'etc/apt/sources.list'), 'deb [trusted=yes] file:/srv/repo ./\n');
  await must(['chroot', root.dir, 'apt-get', 'update', '-qq']);

  // 300 packages: 200 at `*` (installed), 50 at `>= 1.0-1` (satisfied), 50 at `>= 2.0-1` (upgrades).
  const install = {};
  for (let i = 0; i < 200; i++) install[name(i + 100)] = '*';
  for (let i = 0; i < 50; i++) install[name(i + 300)] = '>= 1.0-1';
  for (let i = 0; i < 50; i++) install[name(i)] = '>= 2.0-1';
  const config = {
    apiVersion: 'cosi.dev/v1alpha1',
    kind: 'NodeConfig',
    metadata: {name: 'bench'},
    spec: {packages: {manager: 'apt', install}},
  };
  const file = join(root.dir, 'bench.yaml');
  writeFileSync(file, JSON.stringify(config));
  const setupMs = Date.now() - started;

  const host = createHost({root: root.dir});
  const t0 = performance.now();
  const plan = await makePlan({
    host,
    desired: buildDesiredState(config),
    state: await loadState(host),
    providers: [packageProvider],
    sections: documentSections,
  });
  const planMs = performance.now() - t0;
  if (plan.diagnostics.length > 0) throw new Error(plan.diagnostics.map((d) => d.summary).join('\n'));

  const cli = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, [join(repo, 'bin/cosi.js'), 'plan', file, '--root', root.dir, '--json'], {
      encoding: 'utf8',
    });
    if (r.status !== 0 && r.status !== 2) throw new Error(r.stderr);
    cli.push(performance.now() - t);
  }
  cli.sort((a, b) => a - b);

  console.log(`setup (extract root, 1,000 synthetic packages, apt-get update): ${(setupMs / 1000).toFixed(1)} s`);
  console.log(`document: ${named} packages; node: ${installedCount} installed (+ the base system's)`);
  console.log(`plan: ${plan.changes.length} updates, ${plan.noops.length} unchanged`);
  console.log(
    `processes spawned by the probe: ${host.stats.spawned} (dpkg-query -W, apt-cache policy for the ${plan.changes.length} names below their constraint; goal: at most one per query)`,
  );
  console.log(`in-process probe + plan: ${planMs.toFixed(0)} ms`);
  console.log(`cosi plan --json through the CLI: median ${cli[2].toFixed(0)} ms of 5 runs`);
  if (host.stats.spawned > 4) process.exitCode = 1;
} finally {
  await root.dispose();
}

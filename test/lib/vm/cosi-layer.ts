import {createHash} from 'node:crypto';
import {copyFileSync, cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync} from 'node:fs';
import {join, relative, sep} from 'node:path';
import {cachedBuild, diskUsageBytes, pruneEntries} from './cache-entry.js';
import {layerLabel} from './guest-setup.js';
import {compiledDir, repoRoot, vmCacheDir} from './paths.js';
import {ext4FromDir} from './file-disk.js';

/** CosiLayer is a small ext4 disk with Node.js, cosi as built from the working tree, and the guest agent. */
export type CosiLayer = {dir: string; disk: string; key: string};

/**
 * cosiLayerSources lists what goes into the layer, relative to the repo root: what package.json `files` publishes
 * (`bin/`, the compiled or bundled code, `schemas/`...), `package.json`, `dist/src/`, and the production dependencies
 * listed in package-lock.json. Missing paths are left out.
 */
export function cosiLayerSources(): string[] {
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {files?: string[]};
  const published = (manifest.files ?? []).map((path) => path.replace(/\/+$/, ''));
  const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, {dev?: boolean}>;
  };
  const deps = Object.entries(lock.packages)
    .filter(([path, info]) => path.startsWith('node_modules/') && !info.dev)
    .map(([path]) => path);
  return [...new Set(['package.json', 'bin', 'dist/src', 'schemas', ...published, ...deps])].filter((path) =>
    existsSync(join(repoRoot, path)),
  );
}

/**
 * ensureCosiLayer returns the layer disk for the current working tree, building it when its inputs changed: it is
 * keyed by the path, size, mode and mtime of every input file (the host's `node` binary, the compiled guest agent,
 * and everything {@link cosiLayerSources} lists). Building stages the files
 * and runs `mke2fs -d` (a few seconds); the base image is untouched. Keeps the three newest layers.
 * The layer is mounted read-only in the guest at /opt/vm-layer: node at /opt/vm-layer/node, cosi at /opt/vm-layer/cosi.
 */
export async function ensureCosiLayer(log: (line: string) => void = () => {}): Promise<CosiLayer> {
  const agent = join(compiledDir, 'guest-agent.js');
  const sources = cosiLayerSources();
  const hash = createHash('sha256');
  for (const file of [process.execPath, agent]) fingerprint(hash, file, file);
  for (const source of sources)
    walk(join(repoRoot, source), (file) => fingerprint(hash, relative(repoRoot, file), file), 'node_modules');
  const key = 'layer-' + hash.digest('hex').slice(0, 16);
  const layersDir = join(vmCacheDir(), 'layers');
  const dir = await cachedBuild(layersDir, key, async (tmp) => {
    const started = Date.now();
    const stage = join(tmp, 'stage');
    mkdirSync(join(stage, 'cosi'), {recursive: true});
    copyFileSync(process.execPath, join(stage, 'node'));
    copyFileSync(agent, join(stage, 'agent.mjs'));
    for (const source of sources) {
      // Each dependency is listed on its own, nested ones too, so a package's own node_modules is skipped here.
      const from = join(repoRoot, source);
      cpSync(from, join(stage, 'cosi', source), {
        recursive: true,
        verbatimSymlinks: true,
        filter: (path) => path === from || !relative(from, path).split(sep).includes('node_modules'),
      });
    }
    const megabytes = Math.ceil((diskUsageBytes(stage) / 1e6) * 1.3) + 64;
    await ext4FromDir(stage, layerLabel, join(tmp, 'disk.raw'), megabytes);
    rmSync(stage, {recursive: true, force: true});
    log(`vm: cosi layer ${key} built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });
  pruneEntries(layersDir, 'layer', key, 2);
  return {dir, disk: join(dir, 'disk.raw'), key};
}

function fingerprint(hash: ReturnType<typeof createHash>, name: string, file: string): void {
  const s = lstatSync(file);
  hash.update(`${name}\0${s.size}\0${s.mode}\0${s.mtimeMs}\n`);
}

function walk(path: string, visit: (file: string) => void, skipDir?: string): void {
  const s = lstatSync(path);
  if (!s.isDirectory()) return visit(path);
  for (const entry of readdirSync(path).sort()) {
    if (entry === skipDir) continue;
    walk(join(path, entry), visit, skipDir);
  }
}

// The single executable: a copy of this Node.js binary with a single executable application blob injected by postject
// (Node's --experimental-sea-config). The blob holds sea-main.cjs as the entry point and, as assets, the bundle, its
// trained code cache, bundles of @grpc/grpc-js and protobufjs/light and the package files cosi reads at run time (package.json, the
// schema, the systemd units: src/package-files.ts reads them from the assets under the same names).
import {chmodSync, copyFileSync, mkdirSync, readdirSync, writeFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {join} from 'node:path';
import {repo, run, work} from './common.mjs';

const require = createRequire(import.meta.url);

/** buildExecutable writes the single executable to `output`; `npm run build` must have made dist/bundle. */
export async function buildExecutable(output) {
  const dir = join(work, 'sea');
  mkdirSync(dir, {recursive: true});
  // grpc-js and its dependencies as one CommonJS file that requires only builtins (the executable has no node_modules).
  await require('esbuild').build({
    entryPoints: [require.resolve('@grpc/grpc-js')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: join(dir, 'grpc-js.cjs'),
    logLevel: 'warning',
  });
  // protobufjs's light build, for the agent's COSI State API (src/agent/grpc-runtime.ts), the same way.
  await require('esbuild').build({
    entryPoints: [require.resolve('protobufjs/light')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: join(dir, 'protobufjs-light.cjs'),
    logLevel: 'warning',
  });
  const assets = {
    'cosi.cjs': join(repo, 'dist/bundle/cosi.cjs'),
    'cosi.cjs.cache': join(repo, 'dist/bundle/cosi.cjs.cache'),
    'grpc-js.cjs': join(dir, 'grpc-js.cjs'),
    'protobufjs-light.cjs': join(dir, 'protobufjs-light.cjs'),
    'package.json': join(repo, 'package.json'),
    'schemas/cosi.schema.json': join(repo, 'schemas/cosi.schema.json'),
  };
  for (const unit of readdirSync(join(repo, 'systemd'))) assets[`systemd/${unit}`] = join(repo, 'systemd', unit);
  const config = join(dir, 'sea-config.json');
  const blob = join(dir, 'sea.blob');
  writeFileSync(config, JSON.stringify({
    main: join(repo, 'scripts/dist/sea-main.cjs'),
    output: blob,
    disableExperimentalSEAWarning: true,
    // V8's code cache of the entry point; the bundle's is the trained one among the assets.
    useCodeCache: true,
    assets,
  }, null, 2));
  run([process.execPath, '--experimental-sea-config', config], {capture: true});
  copyFileSync(process.execPath, output);
  chmodSync(output, 0o755);
  // Node's symbol table is 12 MB nobody on a node reads (lintian: unstripped-binary-or-object). Stripped before the
  // blob goes in: strip would drop the note section postject adds.
  run(['strip', '--strip-all', output]);
  run([process.execPath, require.resolve('postject/dist/cli.js'), output, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'], {capture: true});
}

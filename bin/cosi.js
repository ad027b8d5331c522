#!/usr/bin/env node
// cosi's command line. `--version` is answered without loading the rest, so that probes of the tool stay cheap.
//
// The rest is one CommonJS bundle (dist/bundle/cosi.cjs, made by scripts/build.mjs) compiled through node:vm with the
// V8 code cache the build trained (cosi.cjs.cache): Node 20 caches no code for modules, and compiling the bundle and
// the functions a plan runs was a third of `cosi plan`'s own time. The cache is used only when its first line names
// the same build as the bundle's; V8 itself rejects one made by another Node version or with other flags, and then
// the bundle is compiled as usual. COSI_WRITE_CODE_CACHE=FILE (used by the build) writes the cache after the command.
import {readFileSync, renameSync, writeFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {dirname} from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {Script} from 'node:vm';

const argv = process.argv.slice(2);
if (argv.length === 1 && argv[0] === '--version') {
  const {version} = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`cosi ${version}\n`);
} else {
  const bundle = fileURLToPath(new URL('../dist/bundle/cosi.cjs', import.meta.url));
  const source = readFileSync(bundle, 'utf8');
  const build = source.slice(0, source.indexOf('\n') + 1);
  let cachedData;
  try {
    const cache = readFileSync(`${bundle}.cache`);
    if (cache.toString('latin1', 0, build.length) === build) cachedData = cache.subarray(build.length);
  } catch {
    // No cache: compile.
  }
  // The bundle is one function expression (see scripts/build.mjs).
  const script = new Script(source, {filename: bundle, cachedData});
  const module = {exports: {}};
  script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, dirname(bundle), pathToFileURL(bundle).href);
  process.exitCode = await module.exports.main(argv);
  const out = process.env.COSI_WRITE_CODE_CACHE;
  if (out) {
    writeFileSync(`${out}.tmp`, Buffer.concat([Buffer.from(build, 'latin1'), script.createCachedData()]));
    renameSync(`${out}.tmp`, out);
  }
}

#!/usr/bin/env node
'use strict';
// cosi's command line. `--version` is answered without loading the rest, so that probes of the tool stay cheap.
//
// This file is CommonJS (bin/package.json says so; the path stays bin/cosi.js, which installed symlinks such as
// /usr/local/bin/cosi and npx's cache point to): Node starts a CommonJS entry point without setting up its ES
// module loader, which is a quarter of bare Node's own start-up time.
//
// The rest is one CommonJS bundle (dist/bundle/cosi.cjs, made by scripts/build.mjs) compiled through node:vm with the
// V8 code cache the build trained (cosi.cjs.cache): Node 20 caches no code for modules, and compiling the bundle and
// the functions a plan runs was a third of `cosi plan`'s own time. The cache is used only when its first line names
// the same build as the bundle's; V8 itself rejects one made by another Node version or with other flags, and then
// the bundle is compiled as usual. COSI_WRITE_CODE_CACHE=FILE (used by the build) writes the cache after the command.
const {readFileSync, renameSync, writeFileSync} = require('node:fs');
const {join} = require('node:path');

const argv = process.argv.slice(2);
if (argv.length === 1 && argv[0] === '--version') {
  const {version} = JSON.parse(readFileSync(join(__dirname, '../package.json'), 'utf8'));
  process.stdout.write(`cosi ${version}\n`);
} else {
  const {Script} = require('node:vm');
  const {pathToFileURL} = require('node:url');
  const dir = join(__dirname, '../dist/bundle');
  const bundle = join(dir, 'cosi.cjs');
  // The bundle is ASCII (esbuild escapes everything else), so latin1 reads it without decoding UTF-8.
  const source = readFileSync(bundle, 'latin1');
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
  script.runInThisContext()(
    module.exports,
    require('node:module').createRequire(bundle),
    module,
    bundle,
    dir,
    pathToFileURL(bundle).href,
  );
  // main() turns every failure into a diagnostic and an exit code; a rejection here is a bug in that promise, and it
  // still ends as one line and exit 1 (SPEC §3), not as an unhandled rejection's stack.
  module.exports.main(argv).then(
    (code) => {
      process.exitCode = code;
      const out = process.env.COSI_WRITE_CODE_CACHE;
      if (out) {
        writeFileSync(`${out}.tmp`, Buffer.concat([Buffer.from(build, 'latin1'), script.createCachedData()]));
        renameSync(`${out}.tmp`, out);
      }
    },
    (err) => {
      process.stderr.write(
        `cosi: error: internal error (this is a bug in cosi): ${err instanceof Error ? err.message : String(err)}\n`,
      );
      process.exitCode = 1;
    },
  );
}

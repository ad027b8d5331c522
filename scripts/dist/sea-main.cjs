'use strict';
// The single executable's entry point (embedded by scripts/dist/executable.mjs): the counterpart of bin/cosi.js.
// It runs the same bundle (dist/bundle/cosi.cjs) with the same trained V8 code cache, both carried as assets of the
// executable, so the executable plans as fast as `node bin/cosi.js`. In a single executable `require` gives only
// Node's builtins; the bundle's other modules, @grpc/grpc-js (for CSI probes, see
// src/resources/csi/grpc-module.ts, and the agent) and protobufjs/light (the agent's), are assets too (its own bundle, needing only builtins), compiled on first use.
const sea = require('node:sea');

const asset = (name) => Buffer.from(sea.getRawAsset(name));
const argv = process.argv.slice(2);
if (argv.length === 1 && argv[0] === '--version') {
  process.stdout.write(`cosi ${JSON.parse(sea.getAsset('package.json', 'utf8')).version}\n`);
} else {
  const {Script, compileFunction} = require('node:vm');
  const {pathToFileURL} = require('node:url');
  // The bundle is ASCII (scripts/build.mjs checks), so latin1 reads it without decoding UTF-8.
  const source = asset('cosi.cjs').toString('latin1');
  const build = source.slice(0, source.indexOf('\n') + 1);
  const cache = asset('cosi.cjs.cache');
  // The cache is used only when it names the same build; V8 rejects one from another Node version by itself.
  const cachedData = cache.toString('latin1', 0, build.length) === build ? cache.subarray(build.length) : undefined;
  const filename = `${process.execPath}#cosi.cjs`;
  const script = new Script(source, {filename, cachedData});
  let grpc;
  /** embedded evaluates a CommonJS asset that requires only builtins. */
  const embedded = (name) => {
    const module = {exports: {}};
    const file = `${process.execPath}#${name}`;
    compileFunction(asset(name).toString('utf8'), ['exports', 'require', 'module', '__filename', '__dirname'], {filename: file})(module.exports, require, module, file, '/');
    return module.exports;
  };
  let protobuf;
  const bundleRequire = (id) =>
    id === '@grpc/grpc-js'
      ? (grpc ??= embedded('grpc-js.cjs'))
      : id === 'protobufjs/light'
        ? (protobuf ??= embedded('protobufjs-light.cjs'))
        : require(id);
  const module = {exports: {}};
  script.runInThisContext()(module.exports, bundleRequire, module, filename, '/', pathToFileURL(process.execPath).href);
  module.exports.main(argv).then((code) => {
    process.exitCode = code;
  });
}

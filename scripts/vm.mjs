#!/usr/bin/env node
// Helper CLI for the VM test harness (docs/testing-vm.md). Uses the compiled harness: run `npm run build` first.
//   node scripts/vm.mjs build           build (or reuse) the base image and the cosi layer; print what was used
//   node scripts/vm.mjs shell           boot a fresh node with its serial console on this terminal (root, autologin;
//                                       quit with Ctrl-A X); the guest is thrown away afterwards
//   node scripts/vm.mjs run -- CMD ...  boot a fresh node, run CMD through the agent (no shell), print its output
//   node scripts/vm.mjs info            where the cache is and what it holds
//   node scripts/vm.mjs clean           delete the cache (the next run builds from scratch)
// COSI_VM_RECIPE=grub selects the node that boots through its own GRUB (grubRecipe) for build, shell and run.
import {existsSync, mkdirSync, readdirSync, readFileSync, rmSync} from 'node:fs';
import {join} from 'node:path';

const lib = new URL('../dist/test/lib/vm/', import.meta.url);
if (!existsSync(lib)) {
  console.error('vm: the harness is not compiled; run `npm run build` first');
  process.exit(1);
}
const {vmCacheDir} = await import(new URL('paths.js', lib).href);
const {ensureBaseImage} = await import(new URL('image.js', lib).href);
const {ensureCosiLayer} = await import(new URL('cosi-layer.js', lib).href);
const {startQemu} = await import(new URL('qemu.js', lib).href);
const {Vm} = await import(new URL('vm.js', lib).href);
const recipes = await import(new URL('image-recipe.js', lib).href);
const recipe = process.env.COSI_VM_RECIPE === 'grub' ? recipes.grubRecipe : undefined;

const log = (line) => console.error(line);
const [command, ...rest] = process.argv.slice(2);

switch (command) {
  case 'build': {
    let t = Date.now();
    const base = await ensureBaseImage(recipe, log);
    console.log(
      `base image:  ${base.dir} (kernel ${base.meta.kernelVersion}, built ${base.meta.builtAt} in ${base.meta.seconds.total} s); ready in ${((Date.now() - t) / 1000).toFixed(1)} s`,
    );
    t = Date.now();
    const layer = await ensureCosiLayer(log);
    console.log(`cosi layer:  ${layer.disk}; ready in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    break;
  }
  case 'shell': {
    const base = await ensureBaseImage(recipe, log);
    const layer = await ensureCosiLayer(log);
    const runDir = join(vmCacheDir(), 'runs', `shell-${process.pid}`);
    mkdirSync(runDir, {recursive: true});
    console.error(
      `vm: booting ${base.meta.kernelVersion} under TCG (about a minute); root logs in automatically; Ctrl-A X quits.`,
    );
    console.error(`vm: the agent socket is ${join(runDir, 'agent.sock')}`);
    const q = await startQemu({
      runDir,
      baseDisk: base.disk,
      layerDisk: layer.disk,
      kernel: base.kernel,
      initrd: base.initrd,
      console: 'stdio',
      bootFromDisk: base.meta.recipe.boot !== undefined,
    });
    const code = await new Promise((resolve) => q.child.on('exit', resolve));
    rmSync(runDir, {recursive: true, force: true});
    process.exit(code ?? 1);
  }
  // falls through: process.exit() does not return.
  case 'run': {
    const argv = rest[0] === '--' ? rest.slice(1) : rest;
    if (argv.length === 0) throw new Error('usage: node scripts/vm.mjs run -- CMD [ARG...]');
    const vm = await Vm.boot({log, recipe});
    try {
      const r = await vm.run(argv, {timeoutMs: 600_000});
      process.stdout.write(r.stdout);
      process.stderr.write(r.stderr);
      process.exitCode = r.exitCode ?? 1;
    } finally {
      vm.dispose();
    }
    break;
  }
  case 'info': {
    const dir = vmCacheDir();
    console.log(`cache: ${dir}`);
    for (const sub of ['base', 'layers', 'runs']) {
      const path = join(dir, sub);
      const names = existsSync(path) ? readdirSync(path) : [];
      console.log(`${sub}/: ${names.length ? names.join(' ') : '(empty)'}`);
      if (sub === 'base')
        for (const n of names)
          if (existsSync(join(path, n, 'meta.json'))) console.log(readFileSync(join(path, n, 'meta.json'), 'utf8'));
    }
    break;
  }
  case 'clean':
    rmSync(vmCacheDir(), {recursive: true, force: true});
    console.log(`removed ${vmCacheDir()}`);
    break;
  default:
    console.error('usage: node scripts/vm.mjs build | shell | run -- CMD... | info | clean');
    process.exit(2);
}

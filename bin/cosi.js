#!/usr/bin/env node
// cosi's command line. `--version` is answered without loading the rest, so that probes of the tool stay cheap.
import {readFileSync} from 'node:fs';

const argv = process.argv.slice(2);
if (argv.length === 1 && argv[0] === '--version') {
  const {version} = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`cosi ${version}\n`);
} else {
  const {main} = await import('../dist/bundle/main.js');
  process.exitCode = await main(argv);
}

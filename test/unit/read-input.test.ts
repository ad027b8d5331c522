import test from 'ava';
import {execFileSync, spawnSync} from 'node:child_process';
import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {limits} from '../../src/config/limits.js';
import {readInput} from '../../src/config/read-input.js';
import {cosiBin} from '../lib/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'cosi-read-input-'));

test('reads a regular file as UTF-8 text', async (t) => {
  const file = join(dir, 'doc.yaml');
  writeFileSync(file, 'a: é\n');
  t.deepEqual(await readInput(file), {text: 'a: é\n'});
});

test('a file exactly at the size limit is read; one byte more is refused', async (t) => {
  const at = join(dir, 'at-limit.yaml');
  writeFileSync(at, Buffer.alloc(limits.maxFileBytes, 'a'));
  t.is((await readInput(at)).text?.length, limits.maxFileBytes);
  const over = join(dir, 'over-limit.yaml');
  writeFileSync(over, Buffer.alloc(limits.maxFileBytes + 1, 'a'));
  t.regex((await readInput(over)).diagnostic?.summary ?? '', /larger than 512 KiB/);
});

test('a named pipe is refused as not a regular file, without waiting for a writer', async (t) => {
  const fifo = join(dir, 'pipe.yaml');
  execFileSync('mkfifo', [fifo]);
  t.is((await readInput(fifo)).diagnostic?.summary, 'not a regular file');
});

test('a directory and a missing file are diagnostics', async (t) => {
  t.is((await readInput(dir)).diagnostic?.summary, 'not a regular file');
  t.is((await readInput(join(dir, 'missing.yaml'))).diagnostic?.summary, `no such file: ${join(dir, 'missing.yaml')}`);
});

test('`-` reads the document from standard input', (t) => {
  const run = spawnSync(process.execPath, [cosiBin, 'validate', '-'], {
    input:
      'apiVersion: cosi.dev/v1alpha1\nkind: NodeConfig\nmetadata:\n  name: worker\nspec:\n  sysctls:\n    vm.swappiness: 10\n',
    encoding: 'utf8',
  });
  t.is(run.status, 0, run.stderr);
  t.regex(run.stderr, /valid NodeConfig/);
});

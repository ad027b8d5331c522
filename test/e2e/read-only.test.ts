import test from 'ava';
import {spawnSync} from 'node:child_process';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {createFixtureRoot, kernelFiles} from '../lib/fixture-root.js';

// A read-only /etc or /run under the root (a node's file system mounted read-only, a DaemonSet's read-only mount):
// diagnostics name the path and the operation, never "internal error", and the report counts what really changed.
// Needs root: the read-only bind mounts are made in a private mount namespace (unshare -m), so the host sees none.

const repo = join(new URL('.', import.meta.url).pathname, '../../..');
const bin = join(repo, 'bin/cosi.js');
const documentText =
  'apiVersion: cosi.dev/v1alpha1\nkind: NodeConfig\nmetadata: {name: n}\nspec:\n  sysctls:\n    vm.swappiness: 10\n';

function applyWithReadOnly(root: string, dir: string, doc: string) {
  const script = `mount --bind "$1/$2" "$1/$2" && mount -o remount,bind,ro "$1/$2" && exec "$3" "$4" apply "$5" --root "$1" --auto-approve`;
  return spawnSync(
    'unshare',
    ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', root, dir, process.execPath, bin, doc],
    {encoding: 'utf8'},
  );
}

test('a read-only /etc: the failure names the file and says the live value was written', async (t) => {
  const root = await createFixtureRoot({...kernelFiles, '/run/.keep': ''});
  t.teardown(() => root.cleanup());
  const doc = join(root.dir, 'doc.yaml');
  writeFileSync(doc, documentText);
  const r = applyWithReadOnly(root.dir, 'etc', doc);
  t.is(r.status, 1, r.stdout + r.stderr);
  t.regex(
    r.stderr,
    new RegExp(
      `cannot write /etc/sysctl\\.d/90-cosi\\.conf \\(under the root ${root.dir}\\): read-only file system \\(EROFS\\)`,
    ),
  );
  t.regex(r.stderr, /0 of 1 changes were made, and sysctl\.vm\.swappiness was partly carried out before it failed/);
  t.notRegex(r.stderr, /internal error/);
  t.is((await root.read('/proc/sys/vm/swappiness'))?.trim(), '10', 'the live value was written');
});

test('a read-only /run: the lock failure names the directory', async (t) => {
  const root = await createFixtureRoot({...kernelFiles, '/run/.keep': ''});
  t.teardown(() => root.cleanup());
  const doc = join(root.dir, 'doc.yaml');
  writeFileSync(doc, documentText);
  const r = applyWithReadOnly(root.dir, 'run', doc);
  t.is(r.status, 1, r.stdout + r.stderr);
  t.regex(r.stderr, /cannot create the directory \/run\/cosi \(under the root .*\): read-only file system \(EROFS\)/);
  t.notRegex(r.stderr, /internal error/);
  t.is((await root.read('/proc/sys/vm/swappiness'))?.trim(), '60', 'nothing changed');
});

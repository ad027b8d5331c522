import test from 'ava';
import {spawnSync} from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {createFixtureRoot, kernelFiles} from '../lib/fixture-root.js';

const repo = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../../..');
const bin = join(repo, 'bin/cosi.js');

function cosi(args: string[], options: {umask?: string} = {}) {
  const argv = options.umask
    ? ['-c', `umask ${options.umask} && exec "$0" "$@"`, process.execPath, bin, ...args]
    : [bin, ...args];
  const result = spawnSync(options.umask ? 'sh' : process.execPath, argv, {
    encoding: 'utf8',
    env: {...process.env, NO_COLOR: ''},
  });
  return {exitCode: result.status, stdout: result.stdout, stderr: result.stderr};
}

const documentText =
  'apiVersion: cosi.dev/v1alpha1\nkind: NodeConfig\nmetadata: {name: n}\nspec:\n  sysctls:\n    vm.swappiness: 10\n';

test('the default document is read inside the root: ROOT/etc/cosi -> /elsewhere is ROOT/elsewhere', async (t) => {
  const root = await createFixtureRoot({...kernelFiles, '/elsewhere/config.yaml': documentText});
  const outside = mkdtempSync(join(tmpdir(), 'cosi-outside-'));
  t.teardown(() => {
    rmSync(outside, {recursive: true, force: true});
    return root.cleanup();
  });
  writeFileSync(join(outside, 'config.yaml'), documentText.replace('name: n', 'name: outside'));
  symlinkSync('/elsewhere', join(root.dir, 'etc/cosi'));
  const inRoot = cosi(['plan', '--root', root.dir, '--json']);
  t.is(inRoot.exitCode, 0, inRoot.stderr);
  t.is(JSON.parse(inRoot.stdout).node, 'n');
  rmSync(join(root.dir, 'etc/cosi'));
  symlinkSync(outside, join(root.dir, 'etc/cosi'));
  const out = cosi(['plan', '--root', root.dir]);
  t.is(out.exitCode, 1, 'the outside document is not read');
  t.regex(out.stderr, /no such file/);
});

test('the apply lock is resolved inside the root: ROOT/run -> elsewhere keeps the lock in the root', async (t) => {
  const root = await createFixtureRoot({...kernelFiles});
  const outside = mkdtempSync(join(tmpdir(), 'cosi-outside-'));
  t.teardown(() => {
    rmSync(outside, {recursive: true, force: true});
    return root.cleanup();
  });
  symlinkSync(outside, join(root.dir, 'run'));
  const doc = join(root.dir, 'doc.yaml');
  writeFileSync(doc, documentText);
  const r = cosi(['apply', doc, '--root', root.dir, '--auto-approve']);
  t.is(r.exitCode, 0, r.stderr);
  t.deepEqual(readdirSync(outside), [], 'nothing under the outside directory');
  t.true(
    lstatSync(join(root.dir, outside, 'cosi')).isDirectory(),
    'the lock directory is at the link target inside the root',
  );
});

test('a document or patch that another user can change is refused, naming it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cosi-modes-'));
  t.teardown(() => rmSync(dir, {recursive: true, force: true}));
  const doc = join(dir, 'doc.yaml');
  writeFileSync(doc, documentText);
  chmodSync(doc, 0o666);
  const r = cosi(['validate', doc]);
  t.is(r.exitCode, 1);
  t.regex(r.stderr, new RegExp(`${doc}:1:1: error: refusing ${doc}: another user can change it \\(mode 0666\\)`));
  chmodSync(doc, 0o644);
  t.is(cosi(['validate', doc]).exitCode, 0);
  const patch = join(dir, 'patch.yaml');
  writeFileSync(patch, '[]\n');
  chmodSync(patch, 0o646);
  t.regex(cosi(['validate', doc, '--patch', patch]).stderr, /refusing .*patch\.yaml: another user can change it/);
  chmodSync(patch, 0o644);
  const open = join(dir, 'open');
  mkdirSync(open);
  chmodSync(open, 0o777);
  writeFileSync(join(open, 'doc.yaml'), documentText);
  t.regex(
    cosi(['validate', join(open, 'doc.yaml')]).stderr,
    new RegExp(`the directory ${open} is writable by others without the sticky bit`),
  );
  chmodSync(open, 0o1777);
  t.is(cosi(['validate', join(open, 'doc.yaml')]).exitCode, 0, 'a sticky directory (/tmp) is fine');
  if (process.geteuid?.() === 0) {
    writeFileSync(join(dir, 'theirs.yaml'), documentText);
    spawnSync('chown', ['65534', join(dir, 'theirs.yaml')]);
    t.regex(
      cosi(['validate', join(dir, 'theirs.yaml')]).stderr,
      /is owned by uid 65534, neither root nor the user running cosi/,
    );
  }
});

test('under umask 000, nothing cosi creates is writable by others', async (t) => {
  const root = await createFixtureRoot({...kernelFiles});
  t.teardown(() => root.cleanup());
  const doc = join(root.dir, 'doc.yaml');
  writeFileSync(doc, documentText);
  const textfile = join(root.dir, 'metrics/textfile/cosi.prom');
  const apply = cosi(['apply', doc, '--root', root.dir, '--auto-approve'], {umask: '000'});
  t.is(apply.exitCode, 0, apply.stderr);
  cosi(['drift', doc, '--root', root.dir, '--textfile', textfile], {umask: '000'});
  t.true(existsSync(textfile));
  const loose: string[] = [];
  const walk = (path: string) => {
    const info = lstatSync(path);
    if (info.isSymbolicLink()) return;
    if (info.mode & 0o002) loose.push(`${path} ${(info.mode & 0o7777).toString(8)}`);
    if (info.isDirectory()) for (const entry of readdirSync(path)) walk(join(path, entry));
  };
  for (const top of ['etc', 'var', 'run', 'metrics']) if (existsSync(join(root.dir, top))) walk(join(root.dir, top));
  t.deepEqual(loose, []);
  t.is(statSync(join(root.dir, 'run/cosi')).mode & 0o777, 0o755);
});

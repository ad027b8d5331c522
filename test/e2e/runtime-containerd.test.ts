import {readFile, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import test from 'ava';
import {parse} from 'smol-toml';
import {withValue} from '../../src/resources/runtime/settings-leaves.js';
import {createDebianRoot, repoRoot, run, type DebianRoot, type Exit} from '../lib/debian-root.js';

// Real containerd: a throw-away Debian 12 root with Debian's `containerd` package (mmdebstrap, cached), the config
// that `containerd config default` prints (fixtures/runtime/containerd-1.6-default.toml) as /etc/containerd/config.toml,
// and the real CLI with `--root`. containerd itself then reads the file cosi wrote (`config dump`).

const configPath = '/etc/containerd/config.toml';
const cgroupPath = ['plugins', 'io.containerd.grpc.v1.cri', 'containerd', 'runtimes', 'runc', 'options', 'SystemdCgroup'];

function cosi(root: DebianRoot, ...args: string[]): Promise<Exit> {
  return run([process.execPath, join(repoRoot, 'bin/cosi.js'), ...args, '--root', root.dir, '--no-color']);
}

test('containerd 1.6 default config: one key planned, only that key applied, containerd accepts the file, removal restores it', async (t) => {
  const root = await createDebianRoot({suite: 'bookworm', variant: 'apt', include: ['containerd']});
  t.teardown(() => root.dispose());
  const original = await readFile(join(repoRoot, 'fixtures/runtime/containerd-1.6-default.toml'), 'utf8');
  await writeFile(join(root.dir, configPath), original);
  const doc = join(root.dir, 'doc.yaml');
  await writeFile(doc, [
    'apiVersion: cosi.dev/v1alpha1', 'kind: NodeConfig', 'metadata: {name: containerd}', 'spec:', '  runtime:', '    engine: containerd',
    '    settings:', '      plugins:', '        "io.containerd.grpc.v1.cri":', '          containerd: {runtimes: {runc: {options: {SystemdCgroup: true}}}}', '',
  ].join('\n'));

  const planned = await cosi(root, 'plan', doc, '--json');
  t.is(planned.code, 0, planned.stderr);
  const runtimeChanges = (JSON.parse(planned.stdout).changes as Array<{address: string; details?: string[]; disruption: string}>).filter((c) => c.address.startsWith('runtime.'));
  t.is(runtimeChanges.length, 1);
  t.deepEqual(runtimeChanges[0]!.details, ['plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options.SystemdCgroup: false -> true']);
  t.is(runtimeChanges[0]!.disruption, 'restart:containerd.service');

  const applied = await cosi(root, 'apply', '--auto-approve', doc);
  t.is(applied.code, 0, applied.stderr + applied.stdout);
  const after = await readFile(join(root.dir, configPath), 'utf8');
  t.deepEqual(parse(after), withValue(parse(original) as Record<string, unknown>, cgroupPath, true), 'the file differs from the original only in SystemdCgroup');

  const dump = await root.chroot(['containerd', '--config', configPath, 'config', 'dump']);
  t.is(dump.code, 0, dump.stderr);
  t.regex(dump.stdout, /SystemdCgroup = true/);

  const again = await cosi(root, 'plan', doc, '--detailed-exitcode');
  t.is(again.code, 0, again.stdout + again.stderr);

  await writeFile(doc, 'apiVersion: cosi.dev/v1alpha1\nkind: NodeConfig\nmetadata: {name: containerd}\nspec: {}\n');
  const removed = await cosi(root, 'apply', '--auto-approve', doc);
  t.is(removed.code, 0, removed.stderr + removed.stdout);
  t.is(await readFile(join(root.dir, configPath), 'utf8'), original, 'removal restores the file byte for byte');
});

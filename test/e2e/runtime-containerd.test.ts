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
const cgroupPath = [
  'plugins',
  'io.containerd.grpc.v1.cri',
  'containerd',
  'runtimes',
  'runc',
  'options',
  'SystemdCgroup',
];

function cosi(root: DebianRoot, ...args: string[]): Promise<Exit> {
  return run([process.execPath, join(repoRoot, 'bin/cosi.js'), ...args, '--root', root.dir, '--no-color']);
}

test('containerd 1.6 default config: one key planned, only that key applied, containerd accepts the file, removal restores it', async (t) => {
  const root = await createDebianRoot({suite: 'bookworm', variant: 'apt', include: ['containerd']});
  t.teardown(() => root.dispose());
  const original = await readFile(join(repoRoot, 'fixtures/runtime/containerd-1.6-default.toml'), 'utf8');
  await writeFile(join(root.dir, configPath), original);
  const doc = join(root.dir, 'doc.yaml');
  await writeFile(
    doc,
    [
      'apiVersion: cosi.dev/v1alpha1',
      'kind: NodeConfig',
      'metadata: {name: containerd}',
      'spec:',
      '  runtime:',
      '    engine: containerd',
      '    settings:',
      '      plugins:',
      '        "io.containerd.grpc.v1.cri":',
      '          containerd: {runtimes: {runc: {options: {SystemdCgroup: true}}}}',
      '',
    ].join('\n'),
  );

  const planned = await cosi(root, 'plan', doc, '--json');
  t.is(planned.code, 0, planned.stderr);
  const runtimeChanges = (
    JSON.parse(planned.stdout).changes as Array<{address: string; details?: string[]; disruption: string}>
  ).filter((c) => c.address.startsWith('runtime.'));
  t.is(runtimeChanges.length, 1);
  t.deepEqual(runtimeChanges[0]!.details, [
    'plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options.SystemdCgroup: false -> true',
  ]);
  t.is(runtimeChanges[0]!.disruption, 'restart:containerd.service');

  const applied = await cosi(root, 'apply', '--auto-approve', doc);
  t.is(applied.code, 0, applied.stderr + applied.stdout);
  const after = await readFile(join(root.dir, configPath), 'utf8');
  t.deepEqual(
    parse(after),
    withValue(parse(original) as Record<string, unknown>, cgroupPath, true),
    'the file differs from the original only in SystemdCgroup',
  );

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

test("the Kubernetes docs' recipe on Debian's packaged config.toml: containerd reads runc with its runtime_type and SystemdCgroup", async (t) => {
  const root = await createDebianRoot({suite: 'bookworm', variant: 'apt', include: ['containerd']});
  t.teardown(() => root.dispose());
  // The file Debian's containerd package installs, as an operator's node has it.
  const packaged = await readFile(join(root.dir, configPath), 'utf8');
  t.notRegex(packaged, /runtimes\.runc/, "Debian's file has no runc entry: cosi creates it");
  const doc = join(root.dir, 'doc.yaml');
  // https://kubernetes.io/docs/setup/production-environment/container-runtimes/#containerd-systemd
  await writeFile(
    doc,
    [
      'apiVersion: cosi.dev/v1alpha1',
      'kind: NodeConfig',
      'metadata: {name: kubeadm-recipe}',
      'spec:',
      '  runtime:',
      '    engine: containerd',
      '    settings:',
      '      plugins:',
      '        "io.containerd.grpc.v1.cri":',
      '          containerd: {runtimes: {runc: {runtime_type: io.containerd.runc.v2, options: {SystemdCgroup: true}}}}',
      '',
    ].join('\n'),
  );
  const recipeOnly = doc.replace('doc.yaml', 'recipe.yaml');
  await writeFile(recipeOnly, (await readFile(doc, 'utf8')).replace('runtime_type: io.containerd.runc.v2, ', ''));

  // The recipe as the docs' TOML has it (runtime_type included), and as most operators write it (SystemdCgroup only).
  for (const file of [recipeOnly, doc]) {
    await writeFile(join(root.dir, configPath), packaged);
    const applied = await cosi(root, 'apply', '--auto-approve', file);
    t.is(applied.code, 0, applied.stderr + applied.stdout);
    const dump = await root.chroot(['containerd', '--config', configPath, 'config', 'dump']);
    t.is(dump.code, 0, dump.stderr);
    const runc = (
      parse(dump.stdout) as {
        plugins: Record<
          string,
          {containerd: {runtimes: {runc: {runtime_type: string; options: {SystemdCgroup: boolean}}}}}
        >;
      }
    ).plugins['io.containerd.grpc.v1.cri']!.containerd.runtimes.runc;
    t.is(runc.runtime_type, 'io.containerd.runc.v2', `${file}: containerd reads runc's runtime_type`);
    t.is(runc.options.SystemdCgroup, true);
    const written = await readFile(join(root.dir, configPath), 'utf8');
    t.true(written.startsWith(packaged.trimEnd()), "Debian's lines are kept as they were");
    t.log(`${file}: cosi added\n${written.slice(packaged.trimEnd().length)}`);
    t.regex(written, /runc\]\n(.*\n)*\s+runtime_type = "io\.containerd\.runc\.v2"/);
    t.is((await cosi(root, 'plan', file, '--detailed-exitcode')).code, 0, 'a second plan is empty');
    const empty = doc.replace('doc.yaml', 'empty.yaml');
    await writeFile(
      empty,
      'apiVersion: cosi.dev/v1alpha1\nkind: NodeConfig\nmetadata: {name: kubeadm-recipe}\nspec: {}\n',
    );
    const restored = await cosi(root, 'apply', '--auto-approve', empty);
    t.is(restored.code, 0, restored.stderr);
    t.is(
      await readFile(join(root.dir, configPath), 'utf8'),
      packaged,
      'removal gives back the packaged file byte for byte',
    );
  }
});

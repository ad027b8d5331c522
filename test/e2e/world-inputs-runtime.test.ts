import {mkdir, readFile, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import test, {type ExecutionContext} from 'ava';
import {parse} from 'smol-toml';
import {buildAptRepository, createDebianRoot, repoRoot, run, type DebianRoot, type Exit} from '../lib/debian-root.js';

// Issue 13, acceptance 1 (containerd): the Kubernetes docs' kubeadm recipe (SystemdCgroup = true for runc) declared
// over the configs containerd users have — the default `containerd config default` prints, taken at test time from
// Debian's containerd (1.6.20), Debian's packaged /etc/containerd/config.toml, and containerd 1.7's and 2.0's
// defaults, written after containerd's documentation (fixtures/runtime/containerd-1.7-default.toml and
// containerd-2.0-default.toml name their sources) — each run validate -> plan -> apply -> plan under --root in a
// Debian 12 root, then removed again (the file comes back byte for byte). Where Debian's containerd can read the
// file (config version 2: 1.6 and 1.7), containerd's own reader checks it: `containerd --config FILE config dump`
// shows runc with runtime_type io.containerd.runc.v2 and SystemdCgroup = true. containerd 1.6 cannot read version 3:
// the 2.0 file is checked against the documented version 3 structure instead (docs/cri/config.md, release/2.0), in
// a root without containerd, as a node that installs containerd 2.x with the same apply would be.

const configPath = '/etc/containerd/config.toml';
const cri2 = 'io.containerd.grpc.v1.cri';
const runtime3 = 'io.containerd.cri.v1.runtime';

/** The recipe in containerd 1.x's layout (the Kubernetes docs' and containerd's own for 1.x), as a cosi document. */
const recipeV2 = `apiVersion: cosi.dev/v1alpha1
kind: NodeConfig
metadata: {name: kubeadm-recipe}
spec:
  runtime:
    engine: containerd
    settings:
      plugins:
        "${cri2}":
          containerd:
            runtimes:
              runc:
                options:
                  SystemdCgroup: true
`;
/** The same recipe as containerd's docs write it for 2.x. */
const recipeV3 = recipeV2.replace(cri2, runtime3);
const empty = 'apiVersion: cosi.dev/v1alpha1\nkind: NodeConfig\nmetadata: {name: kubeadm-recipe}\nspec: {}\n';

function cosi(root: DebianRoot, ...args: string[]): Promise<Exit> {
  return run([process.execPath, join(repoRoot, 'bin/cosi.js'), ...args, '--root', root.dir, '--no-color']);
}

type Runc = {runtime_type?: string; options?: {SystemdCgroup?: boolean}};
function runcOf(config: unknown, plugin: string): Runc | undefined {
  const plugins = (config as {plugins?: Record<string, {containerd?: {runtimes?: {runc?: Runc}}}>}).plugins;
  return plugins?.[plugin]?.containerd?.runtimes?.runc;
}

/**
 * roundTrip writes `original` as the node's config.toml, declares `document`, and runs validate, plan (changes
 * pending), apply and plan again (none); returns the file cosi wrote. Then an empty document gives the file back.
 */
async function roundTrip(t: ExecutionContext, root: DebianRoot, original: string, document: string): Promise<string> {
  await mkdir(join(root.dir, 'etc/containerd'), {recursive: true});
  await writeFile(join(root.dir, configPath), original);
  const doc = join(root.dir, 'doc.yaml');
  await writeFile(doc, document);
  const validated = await cosi(root, 'validate', doc);
  t.is(validated.code, 0, validated.stderr);
  const planned = await cosi(root, 'plan', doc, '--detailed-exitcode');
  t.is(planned.code, 2, planned.stdout + planned.stderr);
  t.log(planned.stdout);
  const applied = await cosi(root, 'apply', '--auto-approve', doc);
  t.is(applied.code, 0, applied.stdout + applied.stderr);
  const again = await cosi(root, 'plan', doc, '--detailed-exitcode');
  t.is(again.code, 0, `a second plan is empty: ${again.stdout}${again.stderr}`);
  const written = await readFile(join(root.dir, configPath), 'utf8');
  await writeFile(doc, empty);
  const removed = await cosi(root, 'apply', '--auto-approve', doc);
  t.is(removed.code, 0, removed.stderr);
  t.is(await readFile(join(root.dir, configPath), 'utf8'), original, 'removal gives the file back byte for byte');
  return written;
}

/** dump runs containerd's own reader on a file cosi wrote. */
async function dump(t: ExecutionContext, root: DebianRoot, text: string): Promise<unknown> {
  await writeFile(join(root.dir, 'etc/containerd/check.toml'), text);
  const r = await root.chroot(['containerd', '--config', '/etc/containerd/check.toml', 'config', 'dump']);
  t.is(r.code, 0, r.stderr);
  return parse(r.stdout);
}

test("the kubeadm recipe over containerd 1.6's own default, Debian's packaged file and containerd 1.7's default: containerd reads runc's runtime_type and SystemdCgroup", async (t) => {
  const started = Date.now();
  const root = await createDebianRoot({suite: 'bookworm', variant: 'apt', include: ['containerd']});
  t.teardown(() => root.dispose());
  const version = await root.chroot(['containerd', '--version']);
  t.log(version.stdout.trim());
  const ownDefault = await root.chroot(['containerd', 'config', 'default']);
  t.is(ownDefault.code, 0, ownDefault.stderr);
  const corpus = [
    {source: `containerd config default (Debian's containerd, ${version.stdout.trim()})`, text: ownDefault.stdout},
    {
      source: "Debian's containerd package: /etc/containerd/config.toml",
      text: await readFile(join(root.dir, configPath), 'utf8'),
    },
    {
      source: 'fixtures/runtime/containerd-1.7-default.toml (after containerd release/1.7 docs and sources)',
      text: await readFile(join(repoRoot, 'fixtures/runtime/containerd-1.7-default.toml'), 'utf8'),
    },
  ];
  for (const {source, text} of corpus) {
    const written = await roundTrip(t, root, text, recipeV2);
    const runc = runcOf(await dump(t, root, written), cri2);
    t.is(runc?.runtime_type, 'io.containerd.runc.v2', `${source}: containerd reads runc's runtime_type`);
    t.is(runc?.options?.SystemdCgroup, true, `${source}: containerd reads SystemdCgroup`);
    if (!source.startsWith("Debian's containerd package")) continue;
    // The same recipe in 2.x's layout lands in version 2's table of a version 2 file.
    const moved = await roundTrip(t, root, text, recipeV3);
    t.is(runcOf(await dump(t, root, moved), cri2)?.options?.SystemdCgroup, true, `${source}: the 2.x recipe too`);
  }
  t.log(`corpus of ${corpus.length} files: ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

test("a misspelt key (SystemdCGroup) is an error at its document line, with did you mean, against Debian's containerd's own keys", async (t) => {
  const root = await createDebianRoot({suite: 'bookworm', variant: 'apt', include: ['containerd']});
  t.teardown(() => root.dispose());
  const packaged = await readFile(join(root.dir, configPath), 'utf8');
  const doc = join(root.dir, 'doc.yaml');
  await writeFile(doc, recipeV2.replace('SystemdCgroup', 'SystemdCGroup'));
  const line = recipeV2.split('\n').findIndex((l) => l.includes('SystemdCgroup')) + 1;
  const planned = await cosi(root, 'plan', doc);
  t.is(planned.code, 1, planned.stdout);
  t.regex(
    planned.stderr,
    new RegExp(
      `doc\\.yaml:${line}:19: error: "SystemdCGroup" is not a key of containerd 1\\.6\\.20's configuration in \\[plugins\\."io\\.containerd\\.grpc\\.v1\\.cri"\\.containerd\\.runtimes\\.runc\\.options\\]: did you mean "SystemdCgroup"\\?`,
    ),
  );
  t.is(await readFile(join(root.dir, configPath), 'utf8'), packaged, 'nothing written');
});

test("containerd 2.0's default (config version 3): both recipes land at the version 3 runtime's table, with the documented runc entry", async (t) => {
  // Debian 12's containerd 1.6 does not read version 3, and Debian has no containerd 2.x: the root's package database
  // says containerd 2.0.7 (a stand-in package of that name and version, with a containerd.service that runs
  // /bin/true, from a local repository), with no binary to ask for its defaults, as on a node that installs 2.x with
  // the same apply: cosi uses containerd's documented default for the runc entry it creates.
  const root = await createDebianRoot({suite: 'bookworm', variant: 'apt', include: []});
  t.teardown(() => root.dispose());
  await buildAptRepository(root, [{name: 'containerd', version: '2.0.7-1', unit: 'containerd.service'}]);
  const installed = await root.chroot(['apt-get', 'install', '-y', '-qq', 'containerd'], {
    env: {DEBIAN_FRONTEND: 'noninteractive'},
  });
  t.is(installed.code, 0, installed.stderr);
  const original = await readFile(join(repoRoot, 'fixtures/runtime/containerd-2.0-default.toml'), 'utf8');
  // The same file without containerd's runc entry (its table and its options' table, up to the cni table).
  const from = original.indexOf("[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]");
  const to = original.indexOf("[plugins.'io.containerd.cri.v1.runtime'.cni]");
  const stripped = original.slice(0, from) + original.slice(to);
  for (const [name, text] of [
    ['2.0 default', original],
    ['2.0 default without its runc entry', stripped],
  ] as const) {
    for (const document of [recipeV2, recipeV3]) {
      const written = parse(await roundTrip(t, root, text, document)) as {
        version: number;
        plugins: Record<string, unknown>;
      };
      t.is(written.version, 3);
      const runc = runcOf(written, runtime3);
      t.is(runc?.runtime_type, 'io.containerd.runc.v2', `${name}: runc keeps (or gets) its runtime_type`);
      t.is(runc?.options?.SystemdCgroup, true, `${name}: SystemdCgroup at plugins."${runtime3}"...runc.options`);
      t.false(
        Object.hasOwn(written.plugins, cri2) && runcOf(written, cri2) !== undefined,
        'nothing at the version 2 table',
      );
    }
  }
  t.not(stripped, original, 'the runc entry was cut out of the second file');
});

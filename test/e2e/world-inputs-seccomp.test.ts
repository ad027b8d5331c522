import test from 'ava';
import {execFile} from 'node:child_process';
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {cleanupDebianPackages, corpusFile, debianPackageFile} from '../lib/debian-package-file.js';
import {runCli} from '../lib/run-cli.js';

// Issue 13, acceptance 1 (seccomp): five profiles from three projects, as they publish them, declared in one
// document and run validate -> plan -> apply -> plan under --root; then libseccomp itself (python3-seccomp) loads
// each written file the way runc does, and a hand edit is drift caused by the node.

const run = promisify(execFile);
const repo = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../../..');
const loader = join(repo, 'test/lib/libseccomp-load.py');

interface Entry {
  readonly file: string;
  readonly profile: unknown;
  readonly source: string;
  /** Whether /bin/true (and the dynamic loader) can run under the profile. */
  readonly exec: boolean;
}

async function corpus(): Promise<Entry[]> {
  const common = await debianPackageFile('golang-github-containers-common', '/usr/share/containers/seccomp.json');
  const dockerPath = '/usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json';
  const docker = await debianPackageFile('golang-github-docker-docker-dev', dockerPath);
  // Debian 13's Docker (26.1) ships its profile in Go's encoding with `"subArchitectures": null`.
  const docker26 = await debianPackageFile('golang-github-docker-docker-dev', dockerPath, {suite: 'trixie'});
  const moby = await corpusFile(join(repo, 'fixtures/world/seccomp/moby-default.yaml'));
  const kubernetes = await corpusFile(join(repo, 'fixtures/world/seccomp/kubernetes-fine-grained.yaml'));
  return [
    {file: 'cosi/containers-common.json', profile: JSON.parse(common.text), source: common.source, exec: true},
    {file: 'cosi/docker-20.10.json', profile: JSON.parse(docker.text), source: docker.source, exec: true},
    {file: 'cosi/docker-26.1.json', profile: JSON.parse(docker26.text), source: docker26.source, exec: true},
    {file: 'cosi/moby-default.json', profile: moby.value, source: moby.source, exec: true},
    {file: 'cosi/kubernetes-fine-grained.json', profile: kubernetes.value, source: kubernetes.source, exec: false},
  ];
}

test.after.always(cleanupDebianPackages);

test('seccomp corpus: containers-common, Docker 20.10, 26.1 and current, Kubernetes docs: validate, plan, apply, plan; libseccomp loads each', async (t) => {
  const started = performance.now();
  const entries = await corpus();
  for (const e of entries) t.log(`${e.file}: ${e.source}`);
  const root = await mkdtemp(join(tmpdir(), 'cosi-world-seccomp-'));
  t.teardown(() => rm(root, {recursive: true, force: true}));
  await mkdir(join(root, 'etc'));
  const config = join(root, 'cosi.json');
  const profiles = Object.fromEntries(entries.map((e) => [e.file, e.profile]));
  await writeFile(
    config,
    JSON.stringify(
      {apiVersion: 'cosi.dev/v1alpha1', kind: 'NodeConfig', metadata: {name: 'world'}, spec: {seccomp: {profiles}}},
      null,
      2,
    ),
  );
  const cosi = (...args: string[]) => runCli([...args, '--root', root]);

  const validate = await runCli(['validate', config]);
  t.is(validate.exitCode, 0, validate.stderr);
  t.notRegex(validate.stderr, /error:/);
  // Go's encoding is taken as it is: no diagnostic mentions null.
  t.notRegex(validate.stderr, /null/);
  t.regex(
    validate.stderr,
    /warning: 12 syscalls are newer than libseccomp 2\.5\.4\S*: runc and crun skip them on a node with that libseccomp/,
  );

  const plan = await cosi('plan', config, '--json');
  t.is(plan.exitCode, 0, plan.stderr);
  t.deepEqual(
    (JSON.parse(plan.stdout) as {changes: Array<{address: string; action: string}>}).changes
      .map((c) => [c.address, c.action])
      .sort(),
    entries.map((e) => [`seccomp.profile.${e.file}`, 'create']).sort(),
  );
  const apply = await cosi('apply', config, '--auto-approve');
  t.is(apply.exitCode, 0, apply.stderr + apply.stdout);
  const again = await cosi('plan', config, '--detailed-exitcode');
  t.is(again.exitCode, 0, again.stdout + again.stderr);
  t.regex(again.stdout, /No changes\. The node matches the configuration\./);

  for (const e of entries) {
    const path = join(root, 'var/lib/kubelet/seccomp', e.file);
    t.deepEqual(
      JSON.parse(await readFile(path, 'utf8')),
      e.profile,
      `${e.file}: the file holds the profile as published, nulls included`,
    );
    if (e.file === 'cosi/docker-26.1.json')
      t.regex(await readFile(path, 'utf8'), /"subArchitectures": null/, "Go's null is there, as Debian ships it");
    const {stdout} = await run('/usr/bin/python3', [loader, path, ...(e.exec ? ['--exec'] : [])]);
    const loaded = JSON.parse(stdout) as {rules: number; skipped: string[]; bpfBytes: number; childExit: number};
    t.log(
      `${e.file}: libseccomp: ${loaded.rules} rules, ${loaded.bpfBytes} bytes of BPF, skipped ${loaded.skipped.join(' ') || 'none'}`,
    );
    t.is(loaded.childExit, 0, `${e.file}: a process runs under the loaded filter`);
    t.true(loaded.rules > 0 && loaded.bpfBytes > 0);
    if (e.file === 'cosi/moby-default.json') {
      t.deepEqual(
        loaded.skipped,
        [
          'getxattrat',
          'listmount',
          'listxattrat',
          'lsm_get_self_attr',
          'lsm_list_modules',
          'lsm_set_self_attr',
          'mseal',
          'removexattrat',
          'riscv_hwprobe',
          'setxattrat',
          'statmount',
          'uretprobe',
        ],
        'the names cosi warned about are exactly those libseccomp 2.5.4 skips',
      );
    } else t.deepEqual(loaded.skipped, [], `${e.file}: every name resolves`);
  }

  // A hand edit of a written profile is drift caused by the node, not by the document.
  const edited = join(root, 'var/lib/kubelet/seccomp/cosi/kubernetes-fine-grained.json');
  await writeFile(edited, JSON.stringify({defaultAction: 'SCMP_ACT_ALLOW'}));
  const drift = await cosi('drift', config, '--json');
  t.is(drift.exitCode, 2, drift.stderr);
  t.deepEqual((JSON.parse(drift.stdout) as {differences: unknown[]}).differences, [
    {address: 'seccomp.profile.cosi/kubernetes-fine-grained.json', kind: 'seccomp.profile', cause: 'node'},
  ]);
  t.log(`seccomp corpus: ${((performance.now() - started) / 1000).toFixed(1)} s`);
});

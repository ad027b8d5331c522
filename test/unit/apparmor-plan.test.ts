import test from 'ava';
import {symlinkSync} from 'node:fs';
import {parseYaml} from '../../src/config/parse-yaml.js';
import {applyChanges} from '../../src/engine/apply-changes.js';
import {loadState} from '../../src/engine/state.js';
import type {CommandRequest} from '../../src/host/command.js';
import {createHost, type Host} from '../../src/host/host.js';
import {parseKernelProfiles} from '../../src/resources/apparmor/kernel-profiles.js';
import {parseParserOutput} from '../../src/resources/apparmor/parser-output.js';
import {isProfileName} from '../../src/names/apparmor-profile-name.js';
import {declaredMode} from '../../src/resources/apparmor/profile-file.js';
import {apparmorProvider} from '../../src/resources/apparmor/provider.js';
import {apparmorFiles, fakeApparmorParser} from '../lib/fake-apparmor.js';
import {createFixtureRoot, type FixtureRoot} from '../lib/fixture-root.js';
import {providerRun} from '../lib/provider-run.js';

async function withNode(
  files: Record<string, string>,
  body: (root: FixtureRoot, host: Host, calls: CommandRequest[]) => Promise<void>,
): Promise<void> {
  const root = await createFixtureRoot(files);
  const calls: CommandRequest[] = [];
  try {
    await body(root, createHost({root: root.dir, runner: fakeApparmorParser(root, calls)}), calls);
  } finally {
    await root.cleanup();
  }
}

const {plan, apply} = providerRun([apparmorProvider]);

const deny =
  '#include <tunables/global>\nprofile cosi-deny {\n  #include <abstractions/base>\n  deny /etc/shadow r,\n}\n';

test('profile names: one safe path component', (t) => {
  for (const ok of ['cosi-nginx', 'k8s_apparmor.example+1', 'usr.bin.foo']) t.true(isProfileName(ok), ok);
  for (const bad of ['', '-x', '.hidden', 'a..b', 'a/b', 'a b', 'a\nb', 'tab\t', '..'])
    t.false(isProfileName(bad), JSON.stringify(bad));
});

test("declared mode: from the profile's own flags", (t) => {
  t.is(declaredMode('cosi-x', 'profile cosi-x flags=(attach_disconnected) {\n}'), 'enforce');
  t.is(declaredMode('cosi-x', 'profile cosi-x flags=(attach_disconnected, complain) {\n}'), 'complain');
  t.is(declaredMode('cosi-x', 'profile cosi-x /usr/bin/x flags=(complain) {\n}'), 'complain');
  t.is(declaredMode('cosi-x', 'cosi-x (complain) {\n}'), 'complain');
  t.is(declaredMode('cosi-x', 'profile other flags=(complain) {}\nprofile cosi-x {\n}'), 'enforce');
});

test('loaded profiles: name (mode), names with spaces and hats', (t) => {
  t.deepEqual(
    parseKernelProfiles('lsb_release (enforce)\nnvidia_modprobe//kmod (complain)\n/usr/bin/odd name (enforce)\n\n'),
    {lsb_release: 'enforce', 'nvidia_modprobe//kmod': 'complain', '/usr/bin/odd name': 'enforce'},
  );
});

test("parser output: the text's own line, another file's error, errors without a line; machine noise left out", (t) => {
  const out = parseParserOutput({
    exitCode: 1,
    stdout: '',
    stderr:
      'Cache read/write disabled: interface file missing. (Kernel needs AppArmor 2.4 compatibility patch.)\n' +
      'AppArmor parser error for /dev/stdin in profile /dev/stdin at line 5: syntax error, unexpected TOK_DENY, expecting TOK_END_OF_RULE\n' +
      'AppArmor parser error for /dev/stdin in profile /etc/apparmor.d/abstractions/broken at line 1: syntax error\n' +
      'profile x: has merged rule /bin/foo with conflicting x modifiers\n',
  });
  t.false(out.ok);
  t.deepEqual(out.messages, [
    {line: 5, message: 'syntax error, unexpected TOK_DENY, expecting TOK_END_OF_RULE'},
    {message: 'syntax error (in /etc/apparmor.d/abstractions/broken, line 1)'},
    {message: 'profile x: has merged rule /bin/foo with conflicting x modifiers'},
  ]);
  t.deepEqual(
    parseParserOutput({exitCode: 0, stdout: 'Addition succeeded for "a".\nAddition succeeded for "hat".\n', stderr: ''})
      .names,
    ['a', 'hat'],
  );
});

test('a new profile is written and loaded in enforce mode; then nothing to do, and no parse', (t) =>
  withNode(apparmorFiles, async (root, host, calls) => {
    const first = await apply(host, {apparmor: {profiles: {'cosi-deny': deny}}});
    t.deepEqual(
      first.changes.map((c) => [c.address, c.action, c.disruption]),
      [['apparmor.profile.cosi-deny', 'create', 'none']],
    );
    t.is(await root.read('/etc/apparmor.d/cosi-deny'), deny);
    t.deepEqual(
      calls.map((c) => c.argv),
      [
        ['sh', '-c', 'cat | "$0" "$@" /dev/stdin', '/usr/sbin/apparmor_parser', '-Q', '-K', '-v'],
        ['/usr/sbin/apparmor_parser', '-r', '/etc/apparmor.d/cosi-deny'],
      ],
    );
    const again = await plan(host, {apparmor: {profiles: {'cosi-deny': deny}}});
    t.deepEqual(again.changes, []);
    t.is(calls.length, 2, 'a file that holds the text and is loaded as asked is not parsed again');
  }));

test('a syntax error is a plan error at its line of the profile; nothing is planned for it', (t) =>
  withNode(apparmorFiles, async (_root, host) => {
    const p = await plan(host, {
      apparmor: {profiles: {'cosi-deny': deny.replace('deny /etc/shadow r,', 'deny /etc/shadow SYNTAX-ERROR')}},
    });
    t.deepEqual(p.changes, []);
    t.is(p.diagnostics.length, 1);
    t.like(p.diagnostics[0], {severity: 'error', valueLine: 4, path: ['spec', 'apparmor', 'profiles', 'cosi-deny']});
    t.regex(p.diagnostics[0]!.summary, /^AppArmor profile cosi-deny, line 4: syntax error, unexpected TOK_ID/);
  }));

test("the profile's line maps to its line in the YAML document (block scalar)", (t) => {
  const text =
    'apiVersion: cosi.dev/v1alpha1\nkind: NodeConfig\nmetadata:\n  name: w\nspec:\n  apparmor:\n    profiles:\n      cosi-deny: |\n        #include <tunables/global>\n        profile cosi-deny {\n          deny /etc/shadow SYNTAX-ERROR\n        }\n';
  const {parsed} = parseYaml('node.yaml', text);
  t.deepEqual(parsed!.source.locate(['spec', 'apparmor', 'profiles', 'cosi-deny'], {valueLine: 3}).position, {
    file: 'node.yaml',
    line: 11,
    col: 11,
  });
});

test('a text that does not declare the profile it is keyed by is an error', (t) =>
  withNode(apparmorFiles, async (_root, host) => {
    const p = await plan(host, {
      apparmor: {profiles: {'cosi-deny': deny.replace('profile cosi-deny', 'profile something-else')}},
    });
    t.deepEqual(p.changes, []);
    t.regex(p.diagnostics[0]!.summary, /must declare `profile cosi-deny`.*it declares something-else/);
  }));

test('a kernel without AppArmor, a disabled AppArmor, and a node without apparmor_parser are plan errors, never pretended', async (t) => {
  const spec = {apparmor: {profiles: {'cosi-deny': deny}}};
  const {['/sys/module/apparmor/parameters/enabled']: _enabled, ...noAppArmor} = apparmorFiles;
  await withNode(noAppArmor, async (_root, host) => {
    const p = await plan(host, spec);
    t.deepEqual(p.changes, []);
    t.regex(p.diagnostics[0]!.summary, /this kernel has no AppArmor/);
  });
  await withNode({...apparmorFiles, '/sys/module/apparmor/parameters/enabled': 'N\n'}, async (_root, host) => {
    t.regex((await plan(host, spec)).diagnostics[0]!.summary, /AppArmor is disabled in this kernel/);
  });
  const {['/usr/sbin/apparmor_parser']: _parser, ...noParser} = apparmorFiles;
  await withNode(noParser, async (_root, host) => {
    const p = await plan(host, spec);
    t.deepEqual(p.changes, []);
    t.regex(p.diagnostics[0]!.summary, /apparmor_parser is not installed/);
  });
});

test('a profile loaded in another mode (aa-complain) is reloaded', (t) =>
  withNode(apparmorFiles, async (root, host, calls) => {
    await apply(host, {apparmor: {profiles: {'cosi-deny': deny}}});
    await root.write('/sys/kernel/security/apparmor/profiles', 'lsb_release (enforce)\ncosi-deny (complain)\n');
    const p = await plan(host, {apparmor: {profiles: {'cosi-deny': deny}}});
    t.deepEqual(
      p.changes.map((c) => [c.action, c.reason]),
      [['update', 'cosi-deny is loaded in complain mode, not enforce']],
    );
    await apply(host, {apparmor: {profiles: {'cosi-deny': deny}}});
    t.deepEqual(calls.at(-1)!.argv, ['/usr/sbin/apparmor_parser', '-r', '/etc/apparmor.d/cosi-deny']);
    t.regex((await root.read('/sys/kernel/security/apparmor/profiles'))!, /cosi-deny \(enforce\)/);
  }));

test('removal unloads the profile by name and removes its file', (t) =>
  withNode(apparmorFiles, async (root, host, calls) => {
    await apply(host, {apparmor: {profiles: {'cosi-deny': deny}}});
    const p = await apply(host, {});
    t.deepEqual(
      p.changes.map((c) => [c.action, c.reason]),
      [['delete', 'no longer in the document: unloaded, and /etc/apparmor.d/cosi-deny removed']],
    );
    t.deepEqual(calls.at(-1), {
      argv: ['sh', '-c', 'cat | "$0" "$@" /dev/stdin', '/usr/sbin/apparmor_parser', '-R'],
      input: 'profile cosi-deny {}\n',
      timeoutMs: 120_000,
    });
    t.is(await root.read('/etc/apparmor.d/cosi-deny'), undefined);
    t.notRegex((await root.read('/sys/kernel/security/apparmor/profiles'))!, /cosi-deny/);
  }));

test('a profile path that is a symbolic link is refused, never written through', (t) =>
  withNode({...apparmorFiles, '/etc/shadow': 'secret\n'}, async (root, host) => {
    symlinkSync('/etc/shadow', `${root.dir}/etc/apparmor.d/cosi-deny`);
    const p = await plan(host, {apparmor: {profiles: {'cosi-deny': deny}}});
    t.deepEqual(p.changes, []);
    t.regex(
      p.diagnostics[0]!.summary,
      /cosi-deny cannot be written: \/etc\/apparmor.d\/cosi-deny is not a regular file \(a symbolic link\)/,
    );
    t.is(await root.read('/etc/shadow'), 'secret\n');
  }));

test('facts: AppArmor enabled, the parser, the loaded profiles by mode', (t) =>
  withNode(apparmorFiles, async (_root, host) => {
    t.deepEqual(await apparmorProvider.facts!({host}), {
      enabled: true,
      parser: '/usr/sbin/apparmor_parser',
      loadedProfiles: 2,
      modes: {enforce: 2},
    });
  }));

test('without apparmor_parser but with its package in the plan: a warning, the profile after the package, checked by apply', (t) => {
  const {['/usr/sbin/apparmor_parser']: _parser, ...noParser} = apparmorFiles;
  return withNode(noParser, async (root, host, calls) => {
    const p = await plan(host, {packages: {install: {apparmor: '*'}}, apparmor: {profiles: {'cosi-deny': deny}}});
    t.deepEqual(
      p.diagnostics.map((d) => d.severity),
      ['warning'],
    );
    t.regex(p.diagnostics[0]!.summary, /package apparmor in this plan brings it/);
    t.deepEqual(
      p.changes.map((c) => [c.address, c.action, c.dependsOn]),
      [['apparmor.profile.cosi-deny', 'create', ['package.apparmor']]],
    );
    // The package is installed (here: the parser appears), then the profile is applied: checked, written, loaded.
    await root.write('/usr/sbin/apparmor_parser', '');
    const result = await applyChanges({
      host,
      changes: p.changes,
      state: await loadState(host),
      providers: [apparmorProvider],
    });
    t.is(result.failed, undefined);
    t.deepEqual(
      calls.map((c) => c.argv.at(-1)),
      ['-v', '/etc/apparmor.d/cosi-deny'],
      'checked, then loaded',
    );
    // A broken profile planned the same way is refused by apply before anything is written.
    const {rmSync} = await import('node:fs');
    rmSync(`${root.dir}/usr/sbin/apparmor_parser`);
    const broken = deny.replace(/cosi-deny/g, 'cosi-other').replace('deny /etc/shadow r,', 'SYNTAX-ERROR');
    const brokenPlan = await plan(host, {
      packages: {install: {apparmor: '*'}},
      apparmor: {profiles: {'cosi-deny': deny, 'cosi-other': broken}},
    });
    await root.write('/usr/sbin/apparmor_parser', '');
    const failed = await applyChanges({
      host,
      changes: brokenPlan.changes,
      state: await loadState(host),
      providers: [apparmorProvider],
    });
    t.regex(failed.failed?.message ?? '', /apparmor_parser rejects profile cosi-other: line 4: syntax error/);
    t.is(await root.read('/etc/apparmor.d/cosi-other'), undefined);
  });
});

test('removal on a node that lost AppArmor and its parser still removes the file, running nothing', (t) =>
  withNode(apparmorFiles, async (root, host, calls) => {
    await apply(host, {apparmor: {profiles: {'cosi-deny': deny}}});
    const {rmSync} = await import('node:fs');
    rmSync(`${root.dir}/usr/sbin/apparmor_parser`);
    rmSync(`${root.dir}/sys/module/apparmor/parameters/enabled`);
    await root.write('/sys/kernel/security/apparmor/profiles', '');
    const before = calls.length;
    const p = await apply(host, {});
    t.deepEqual(
      p.changes.map((c) => [c.action, c.reason]),
      [['delete', 'no longer in the document: /etc/apparmor.d/cosi-deny removed']],
    );
    t.is(calls.length, before);
    t.is(await root.read('/etc/apparmor.d/cosi-deny'), undefined);
  }));

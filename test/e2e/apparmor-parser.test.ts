// The AppArmor provider against Debian's real apparmor_parser on this machine (parse-only needs no AppArmor in the
// kernel): every profile Debian's apparmor and apparmor-profiles packages ship is accepted and named as the probe
// reads it, and a profile broken at a known line is a plan error at that line of the YAML document.
import test from 'ava';
import {readdirSync, readFileSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {loadDocument} from '../../src/resources/document.js';
import {makePlan} from '../../src/engine/make-plan.js';
import {emptyState} from '../../src/engine/state.js';
import {createExecRunner} from '../../src/host/exec-runner.js';
import {createHost} from '../../src/host/host.js';
import {checkProfile, findParser} from '../../src/resources/apparmor/probe.js';
import {apparmorProvider} from '../../src/resources/apparmor/provider.js';
import {documentSections} from '../../src/resources/registry.js';
import {apparmorFiles} from '../lib/fake-apparmor.js';
import {createFixtureRoot} from '../lib/fixture-root.js';

/** Debian's shipped profiles: /etc/apparmor.d (apparmor, apparmor-profiles) and the extra profiles. */
function shippedProfiles(): string[] {
  const found: string[] = [];
  for (const dir of ['/etc/apparmor.d', '/usr/share/apparmor/extra-profiles']) {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isFile() && name !== 'README' && !name.endsWith('.md')) found.push(path);
    }
  }
  return found;
}

test('every profile Debian ships parses with the real apparmor_parser, and its names are read', async (t) => {
  const host = createHost();
  const parser = await findParser(host);
  t.truthy(parser, 'apparmor_parser is installed (.ci/run installs apparmor and apparmor-profiles)');
  const files = shippedProfiles();
  t.true(files.length >= 50, `Debian's profiles are there (${files.length})`);
  const started = Date.now();
  let checked = 0;
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const result = await checkProfile(host, parser!, text);
    // Files that hold only variables or includes (tunables-like) define no profile; everything else names one.
    t.true(result.ok, `${file}: ${JSON.stringify(result.messages)}`);
    if (/^\s*(profile\s+\S+|\/\S+)\s.*\{/m.test(text)) t.true(result.names.length > 0, `${file} names its profiles`);
    checked++;
  }
  t.log(
    `${checked} profiles checked in ${Date.now() - started} ms (${((Date.now() - started) / checked).toFixed(1)} ms each, one apparmor_parser each)`,
  );
});

test('a real profile broken at a line is a plan error at that line of the YAML document', async (t) => {
  const original = readFileSync('/etc/apparmor.d/bin.ping', 'utf8');
  const lines = original.split('\n');
  const at = lines.findIndex((l) => /^\s*capability net_raw,/.test(l));
  t.true(at > 0, 'bin.ping has its capability line');
  lines[at] = '  capability net_raw';
  const broken = lines.join('\n');
  const yaml = `apiVersion: cosi.dev/v1alpha1\nkind: NodeConfig\nmetadata:\n  name: w\nspec:\n  apparmor:\n    profiles:\n      ping: |\n${broken
    .split('\n')
    .map((l) => (l === '' ? '' : `        ${l}`))
    .join('\n')}\n`;
  const {document, diagnostics} = await loadDocument({file: 'node.yaml', text: yaml});
  t.deepEqual(diagnostics, []);
  // The node's files are a fixture (AppArmor enabled); its commands run on this machine: the real parser.
  const root = await createFixtureRoot(apparmorFiles);
  t.teardown(() => root.cleanup());
  const host = createHost({root: root.dir, runner: createExecRunner('/')});
  const plan = await makePlan({
    host,
    desired: document!.desired,
    state: emptyState,
    providers: [apparmorProvider],
    sections: documentSections,
  });
  const located = document!.locator.place(plan.diagnostics, {key: true});
  t.deepEqual(plan.changes, []);
  t.true(located.length >= 1);
  const first = located[0]!;
  t.log(`${first.source?.file}:${first.source?.line}:${first.source?.col}: ${first.summary}`);
  // The parser reports the rule where the parse fails: the broken line or the next one (the missing comma).
  const yamlLine = 8 + at + 1;
  t.true(
    first.source!.line === yamlLine || first.source!.line === yamlLine + 1,
    `at line ${first.source!.line}, expected ${yamlLine} or ${yamlLine + 1}`,
  );
  t.regex(first.summary, /^AppArmor profile ping, line \d+: syntax error/);
});

test('a text that names another profile than its key is refused, as the real parser names it', async (t) => {
  const root = await createFixtureRoot(apparmorFiles);
  t.teardown(() => root.cleanup());
  const host = createHost({root: root.dir, runner: createExecRunner('/')});
  const {document} = await loadDocument({
    file: 'node.yaml',
    text:
      'apiVersion: cosi.dev/v1alpha1\nkind: NodeConfig\nmetadata:\n  name: w\nspec:\n  apparmor:\n    profiles:\n      cosi-ping: |\n        ' +
      readFileSync('/etc/apparmor.d/bin.ping', 'utf8').split('\n').join('\n        ') +
      '\n',
  });
  const plan = await makePlan({
    host,
    desired: document!.desired,
    state: emptyState,
    providers: [apparmorProvider],
    sections: documentSections,
  });
  t.regex(plan.diagnostics[0]!.summary, /must declare `profile cosi-ping`.*it declares ping/);
});

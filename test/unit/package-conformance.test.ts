import {readFile, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import test from 'ava';
import type {CommandRequest, CommandResult, CommandRunner} from '../../src/host/command.js';
import {createHost} from '../../src/host/host.js';
import {makePlan} from '../../src/engine/make-plan.js';
import {emptyState} from '../../src/engine/state.js';
import {createPackageProvider} from '../../src/resources/package/provider.js';
import {documentSections} from '../../src/resources/registry.js';
import {conformance} from '../lib/conformance.js';
import {desiredFrom} from '../lib/document.js';
import {createFixtureRoot, type FixtureRoot} from '../lib/fixture-root.js';

// A simulated apt/dpkg over a fixture root: the package database is a TSV file in the root (so that the conformance
// suite's outside change can edit it), the repository a fixed table. It answers the commands cosi's apt backend runs.
const dbFile = '/var/lib/fake-dpkg/db.tsv';
const repository: Record<string, string[]> = {'cosi-a': ['1.0'], 'cosi-b': ['2.1', '2.0', '1.0'], 'cosi-c': ['1.0']};

function fakeApt(dir: string, log: string[] = []): CommandRunner {
  const ok = (stdout = ''): CommandResult => ({exitCode: 0, timedOut: false, stdout, stderr: '', started: true});
  const readDb = async () =>
    new Map(
      (await readFile(join(dir, dbFile), 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((l) => [l.split('\t')[0]!, l] as const),
    );
  const writeDb = (db: Map<string, string>) =>
    writeFile(join(dir, dbFile), [...db.values()].map((l) => `${l}\n`).join(''));
  return async ({argv}: CommandRequest) => {
    log.push(argv.slice(0, 2).join(' '));
    const db = await readDb();
    if (argv[0] === 'dpkg-query' && argv[1] === '-W') return ok([...db.values()].map((l) => `${l}\n`).join(''));
    if (argv[0] === 'dpkg-query' && argv[1] === '-S') return {...ok(), exitCode: 1};
    if (argv[0] === 'apt-cache') {
      return ok(
        argv
          .slice(2)
          .filter((n) => repository[n])
          .map(
            (n) =>
              `${n}:\n  Installed: (none)\n  Candidate: ${repository[n]![0]}\n  Version table:\n${repository[n]!.map((v) => `     ${v} 500\n        500 file:/srv/repo ./ Packages\n`).join('')}`,
          )
          .join(''),
      );
    }
    if (argv[0] === 'apt-get' && argv[1] === '-s' && argv[2] === 'install')
      return ok(
        argv
          .filter((a) => a.includes('='))
          .map((spec) => `Inst ${spec.split('=')[0]} (${spec.split('=')[1]} local [amd64])\n`)
          .join(''),
      );
    if (argv[0] === 'apt-get' && argv[1] === '-s')
      return ok(
        argv
          .slice(3)
          .map((n) => `Remv ${n} [x]\n`)
          .join(''),
      );
    if (argv[0] === 'apt-get' && argv[1] === 'install') {
      for (const spec of argv.filter((a) => a.includes('=') && !a.includes(':'))) {
        const [name, version] = spec.split('=') as [string, string];
        if (!repository[name]?.includes(version))
          return {
            exitCode: 100,
            timedOut: false,
            stdout: '',
            stderr: `E: Version '${version}' for '${name}' was not found`,
            started: true,
          };
        db.set(name, `${name}\t${version}\tii `);
      }
      await writeDb(db);
      return ok();
    }
    if (argv[0] === 'apt-get' && argv[1] === 'remove') {
      for (const name of argv.slice(2)) db.delete(name);
      await writeDb(db);
      return ok();
    }
    return {exitCode: 127, timedOut: false, stdout: '', stderr: `fake apt: ${argv.join(' ')}`, started: false};
  };
}

const files = {
  '/etc/os-release': 'ID=debian\nVERSION_ID="12"\n',
  '/usr/bin/dpkg-query': '',
  '/usr/bin/apt-get': '',
  '/var/lib/apt/lists/deb.example_dists_stable_main_binary-amd64_Packages': '',
  [dbFile]: 'base-files\t12.4+deb12u5\tii \n',
};

// The conformance suite builds its host with a runner that runs nothing; the provider's own runner seam lets the
// real apt backend drive the simulated apt in the fixture root. Removal from the document forgets, never uninstalls.
conformance(test, {
  name: 'package',
  provider: createPackageProvider({runner: (host) => fakeApt(host.root)}),
  files,
  spec: {packages: {install: {'cosi-a': '*', 'cosi-b': '>= 2.0'}}},
  async outsideChange(root: FixtureRoot) {
    await root.write(dbFile, ((await root.read(dbFile)) ?? '').replace(/cosi-b\t[^\t]+\t/, 'cosi-b\t1.0\t'));
  },
  driftedAddress: 'package.cosi-b',
  documentChange: {spec: {packages: {install: {'cosi-a': '*', 'cosi-b': '2.0'}}}, address: 'package.cosi-b'},
  removedSpec: {},
  async assertRestored(root: FixtureRoot) {
    const db = (await root.read(dbFile)) ?? '';
    if (!/^cosi-a\t1\.0\tii /m.test(db) || !/^cosi-b\t2\.1\tii /m.test(db))
      throw new Error(`cosi uninstalled what the document did not ask it to remove:\n${db}`);
  },
});

test('probe: one process per query, never one per package', async (t) => {
  const root = await createFixtureRoot(files);
  t.teardown(() => root.cleanup());
  const log: string[] = [];
  const host = createHost({root: root.dir, runner: fakeApt(root.dir, log)});
  const install = Object.fromEntries(Array.from({length: 50}, (_, i) => [`pkg${i}`, '*']));
  const plan = await makePlan({
    host,
    desired: desiredFrom({packages: {install: {...install, 'cosi-b': '>= 2.0'}, remove: ['base-files']}}),
    state: emptyState,
    providers: [createPackageProvider()],
    sections: documentSections,
  });
  t.deepEqual(log.sort(), ['apt-cache policy', 'apt-get -s', 'apt-get -s', 'dpkg-query -W']);
  t.is(plan.diagnostics.length, 50, 'each unknown package is its own error');
  t.regex(plan.diagnostics[0]!.summary, /package pkg0 is unknown to apt/);
});

test('probe: a document without packages on a node cosi has not touched runs nothing', async (t) => {
  const root = await createFixtureRoot(files);
  t.teardown(() => root.cleanup());
  const log: string[] = [];
  const host = createHost({root: root.dir, runner: fakeApt(root.dir, log)});
  await makePlan({
    host,
    desired: desiredFrom({sysctls: {}}),
    state: emptyState,
    providers: [createPackageProvider()],
    sections: documentSections,
  });
  t.deepEqual(log, []);
});

test('facts: the manager, the count and every package', async (t) => {
  const root = await createFixtureRoot({...files, [dbFile]: 'base-files\t12.4\tii \nold\t1\trc \n'});
  t.teardown(() => root.cleanup());
  const facts = await createPackageProvider().facts!({host: createHost({root: root.dir, runner: fakeApt(root.dir)})});
  t.deepEqual(facts, {manager: 'apt', tools: 'apt/dpkg', count: 1, installed: {'base-files': '12.4'}});
});

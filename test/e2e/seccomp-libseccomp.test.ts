import test from 'ava';
import {execFile, spawnSync} from 'node:child_process';
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {existsSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {syscallTable} from '../../src/resources/seccomp/syscall-table.js';

const run = promisify(execFile);
const repo = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../../..');
const resolver = '/usr/bin/scmp_sys_resolver';

/** resolveAll runs libseccomp's resolver on every argument, two processes at a time; -1 stands for no answer. */
async function resolveAll(arch: string, args: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let next = 0;
  const worker = async () => {
    while (next < args.length) {
      const arg = args[next++]!;
      const {stdout} = await run(resolver, ['-a', arch, arg]).catch((e: {stdout?: string}) => ({
        stdout: e.stdout ?? '',
      }));
      out.set(arg, stdout.trim());
    }
  };
  await Promise.all([worker(), worker()]);
  return out;
}

for (const [arch, oci] of [
  ['x86_64', 'SCMP_ARCH_X86_64'],
  ['aarch64', 'SCMP_ARCH_AARCH64'],
] as const) {
  test(`syscall names agree with libseccomp's scmp_sys_resolver on the whole ${arch} table`, async (t) => {
    if (!existsSync(resolver)) return t.fail('scmp_sys_resolver is missing: apt-get install -y seccomp');
    const table = syscallTable();
    const shipped = table.byArch.get(oci)!;
    // Every name libseccomp knows anywhere: a real syscall here exactly when the shipped table says so.
    const byName = await resolveAll(arch, table.names);
    const disagreements = table.names.filter((name) => Number(byName.get(name)) >= 0 !== shipped.has(name));
    t.deepEqual(disagreements, [], 'name -> number');
    // And from the numbers' side: every number libseccomp maps to a name on this architecture is in the table.
    const numbers = Array.from({length: 1024}, (_, i) => String(i));
    const byNumber = await resolveAll(arch, numbers);
    const named = [...byNumber.values()].filter((name) => name !== 'UNKNOWN' && name !== '');
    t.true(named.length >= shipped.size - 5, `${named.length} numbers named`);
    t.deepEqual(
      named.filter((name) => !shipped.has(name)),
      [],
      'number -> name',
    );
    t.is(new Set(named).size, shipped.size, `the ${arch} table has exactly the names of libseccomp's numbers`);
  });
}

test('the kernel view of the running architecture and containers-common apply through the CLI, unchanged', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'cosi-seccomp-e2e-'));
  t.teardown(() => rm(root, {recursive: true, force: true}));
  await mkdir(join(root, 'etc')); // cosi refuses a --root that holds no node's file system
  const header = '/usr/include/x86_64-linux-gnu/asm/unistd_64.h';
  const kernel = existsSync(header)
    ? {
        defaultAction: 'SCMP_ACT_ERRNO',
        architectures: ['SCMP_ARCH_X86_64'],
        syscalls: [
          {
            names: [...(await readFile(header, 'utf8')).matchAll(/#define __NR_(\w+)\s/g)].map((m) => m[1]!).sort(),
            action: 'SCMP_ACT_ALLOW',
          },
        ],
      }
    : JSON.parse(await readFile(join(repo, 'fixtures/seccomp/kernel-x86_64-allow-all.json'), 'utf8'));
  const system = '/usr/share/containers/seccomp.json';
  const common = JSON.parse(
    await readFile(existsSync(system) ? system : join(repo, 'fixtures/seccomp/containers-common-0.50.1.json'), 'utf8'),
  ) as {syscalls: Array<Record<string, unknown>>};
  // As shipped, Go's `"args": null` included.
  const config = join(root, 'config.json');
  await writeFile(
    config,
    JSON.stringify({
      apiVersion: 'cosi.dev/v1alpha1',
      kind: 'NodeConfig',
      metadata: {name: 'e2e'},
      spec: {seccomp: {profiles: {'cosi/kernel.json': kernel, 'cosi/containers-common.json': common}}},
    }),
  );
  const cosi = (...args: string[]) =>
    spawnSync(process.execPath, [join(repo, 'bin/cosi.js'), ...args, '--root', root], {
      encoding: 'utf8',
      env: {...process.env, NO_COLOR: '1'},
    });
  const validate = cosi('validate', config);
  t.is(validate.status, 0, validate.stderr);
  const apply = cosi('apply', config, '--auto-approve');
  t.is(apply.status, 0, apply.stderr + apply.stdout);
  for (const [name, profile] of [
    ['kernel', kernel],
    ['containers-common', common],
  ] as const) {
    const written = JSON.parse(await readFile(join(root, `/var/lib/kubelet/seccomp/cosi/${name}.json`), 'utf8'));
    t.deepEqual(written, profile, `${name}: the file holds the profile as given`);
  }
  const again = cosi('plan', config, '--detailed-exitcode');
  t.is(again.status, 0, again.stdout + again.stderr);
});

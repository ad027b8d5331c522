import type {ExecutionContext} from 'ava';
import {ensureAptRepoDisk, useLocalRepo} from './apt-repo.js';
import {ensureBaseImage} from './image.js';
import {type CommandResult, Vm, type VmOptions} from './vm.js';

/**
 * vmRepoPackages are the Debian packages the VM suites install through cosi documents; one repository disk holds them
 * all (and their dependencies), so the suites share one cache entry.
 */
export const vmRepoPackages = [
  'containerd',
  'runc',
  'containernetworking-plugins',
  'iproute2',
  'nfs-common',
  'rpcbind',
  'cloud-init',
  'podman',
  'curl',
];

/** JsonChange and JsonPlan are the parts of `cosi plan --json` the VM suites read (SPEC §4). */
export type JsonChange = {
  address: string;
  kind: string;
  action: string;
  disruption: string;
  reason: string;
  dependsOn: string[];
  details?: string[];
  before: unknown;
  after: unknown;
};
export type JsonPlan = {
  changes: JsonChange[];
  requires: {reboot: boolean};
  notSurvivingReboot: Array<{address: string; message: string; file?: string}>;
  diagnostics: unknown[];
};

/**
 * bootNode boots a fresh VM for test t (disposed at teardown), optionally with the local apt repository of
 * {@link vmRepoPackages} attached and made the guest's only apt source. Fails loudly, never skips, when cosi cannot run
 * in the guest.
 */
export async function bootNode(t: ExecutionContext, options: VmOptions & {repo?: boolean} = {}): Promise<Vm> {
  const log = (line: string) => t.log(line);
  const extraDisks = [...(options.extraDisks ?? [])];
  if (options.repo) {
    const repo = await ensureAptRepoDisk(await ensureBaseImage(options.recipe, log), vmRepoPackages, log);
    extraDisks.unshift(repo.disk);
  }
  const started = Date.now();
  const vm = await Vm.boot({log, ...options, extraDisks});
  t.teardown(() => vm.dispose());
  t.log(`boot: ${seconds(started)} s (kernel ${vm.kernelRelease})`);
  await vm.runOk(['cosi', '--version']);
  if (options.repo) await useLocalRepo(vm);
  return vm;
}

/** cosi runs the cosi CLI in the guest (no colour) and logs the command, its exit code, time and output. */
export async function cosi(t: ExecutionContext, vm: Vm, ...args: string[]): Promise<CommandResult> {
  const started = Date.now();
  // 30 minutes: an apply that rebuilds a MODULES=most initramfs (update-initramfs) took over 20 minutes under TCG
  // with five VMs on the two cores, before the GRUB image's module tree was trimmed (image-recipe.ts).
  const r = await vm.run(['cosi', ...args], {env: {NO_COLOR: '1'}, timeoutMs: 1_800_000});
  t.log(
    `$ cosi ${args.join(' ')}  -> exit ${r.exitCode} (${seconds(started)} s)\n${r.stdout}${r.stderr ? `stderr:\n${r.stderr}` : ''}`,
  );
  return r;
}

/** planJson runs `cosi plan --json` on a document in the guest and parses it; throws unless it exits 0. */
export async function planJson(t: ExecutionContext, vm: Vm, documentPath: string): Promise<JsonPlan> {
  const r = await cosi(t, vm, 'plan', '--json', documentPath);
  if (r.exitCode !== 0) throw new Error(`cosi plan --json exited ${r.exitCode}: ${r.stderr}`);
  return JSON.parse(r.stdout) as JsonPlan;
}

/** sh runs a shell script in the guest, throws unless it exits 0, and returns its trimmed stdout. */
export async function sh(vm: Vm, script: string): Promise<string> {
  return (await vm.runOk(['sh', '-c', script], {timeoutMs: 300_000})).stdout.trim();
}

function seconds(since: number): string {
  return ((Date.now() - since) / 1000).toFixed(1);
}

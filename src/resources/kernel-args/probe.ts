import type {ProbeRequest} from '../../engine/provider.js';
import type {Host} from '../../host/host.js';
import {blsEntriesDir, defaultFirst, grubenvFile, parseBlsEntry} from './bls.js';
import {cmdlineArgs, liveCmdlineFile} from './cmdline.js';
import {grubCfgEntries} from './grub-cfg.js';
import {cosiGrubDropIn, defaultsArgs, grubCfgFile, grubDefaultsDir, grubDefaultsFile} from './grub-defaults.js';

/**
 * BootLoader is how cosi sets kernel arguments on this node: `grub` (Debian: a drop-in under /etc/default/grub.d and
 * update-grub), `grubby` (the RHEL family: BLS entries edited by grubby), or `none` (neither found).
 */
export type BootLoader = 'grub' | 'grubby' | 'none';

/** KernelArgsObserved is the probed kernel command line: live, in the boot loader's configuration, and cosi's part. */
export interface KernelArgsObserved {
  readonly loader: BootLoader;
  /** The running kernel's arguments (/proc/cmdline without BOOT_IMAGE=); null when unreadable. */
  readonly live: readonly string[] | null;
  /** grub: cosi's drop-in as found, null when missing. */
  readonly dropIn: string | null;
  /** grub: the arguments other defaults files set (/etc/default/grub and the other grub.d fragments). */
  readonly otherArgs: readonly string[];
  /**
   * The next boot's command lines, one per boot entry, the default first: grub.cfg's `linux` lines, or the BLS
   * entries' `options`. null: the generated configuration is missing.
   */
  readonly entries: ReadonlyArray<readonly string[]> | null;
  /** The file (or directory) the entries were read from. */
  readonly configFile: string;
}

async function exists(host: Host, paths: readonly string[]): Promise<boolean> {
  for (const path of paths) if (await host.stat(path)) return true;
  return false;
}

/** detectBootLoader finds the boot loader's tool on the node: grubby with BLS entries first, then update-grub. Read-only. */
export async function detectBootLoader(host: Host): Promise<BootLoader> {
  if ((await exists(host, ['/usr/sbin/grubby', '/sbin/grubby'])) && (await host.stat(blsEntriesDir))?.isDirectory())
    return 'grubby';
  if (await exists(host, ['/usr/sbin/update-grub', '/sbin/update-grub'])) return 'grub';
  return 'none';
}

/**
 * probeKernelArgs reads the running kernel's command line and the boot loader's configuration for the next boot:
 * on Debian the GRUB defaults files and the generated grub.cfg, on the RHEL family the BLS entries and grubenv.
 * Read-only; no command is run. For a plan that neither declares nor manages kernel arguments it reads nothing; facts
 * (no document) always read.
 */
export async function probeKernelArgs({
  host,
  desired,
  state,
}: Pick<ProbeRequest, 'host'> & Partial<ProbeRequest>): Promise<KernelArgsObserved> {
  // Planning a document without kernel arguments, on a node where cosi manages none, reads nothing.
  if (desired && state && (desired.config.spec?.kernel?.args ?? []).length === 0 && !state.resources['kernel.args']) {
    return {loader: 'none', live: null, dropIn: null, otherArgs: [], entries: null, configFile: ''};
  }
  const loader = await detectBootLoader(host);
  const cmdline = await host.readText(liveCmdlineFile);
  const live = cmdline === undefined ? null : cmdlineArgs(cmdline);
  if (loader === 'grub') {
    const dropIn = (await host.readText(cosiGrubDropIn)) ?? null;
    const otherArgs: string[] = defaultsArgs((await host.readText(grubDefaultsFile)) ?? '');
    for (const name of (await host.readDir(grubDefaultsDir)) ?? []) {
      const path = `${grubDefaultsDir}/${name}`;
      if (!name.endsWith('.cfg') || path === cosiGrubDropIn) continue;
      otherArgs.push(...defaultsArgs((await host.readText(path)) ?? ''));
    }
    const cfg = await host.readText(grubCfgFile);
    return {
      loader,
      live,
      dropIn,
      otherArgs,
      entries: cfg === undefined ? null : grubCfgEntries(cfg),
      configFile: grubCfgFile,
    };
  }
  if (loader === 'grubby') {
    const grubenv = await host.readText(grubenvFile);
    const entries = [];
    for (const name of (await host.readDir(blsEntriesDir)) ?? []) {
      if (!name.endsWith('.conf')) continue;
      const text = await host.readText(`${blsEntriesDir}/${name}`);
      if (text !== undefined) entries.push(parseBlsEntry(name.slice(0, -'.conf'.length), text, grubenv));
    }
    return {
      loader,
      live,
      dropIn: null,
      otherArgs: [],
      entries: entries.length === 0 ? null : defaultFirst(entries, grubenv).map((e) => e.args),
      configFile: blsEntriesDir,
    };
  }
  return {loader, live, dropIn: null, otherArgs: [], entries: null, configFile: ''};
}

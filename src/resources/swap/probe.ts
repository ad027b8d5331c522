import type {ProbeRequest} from '../../engine/provider.js';
import {describeFailure} from '../../host/command.js';
import type {Host} from '../../host/host.js';
import {
  parseFstabSwaps,
  parseProcSwaps,
  unitWhat,
  zramSwapDevices,
  type ActiveSwap,
  type FstabSwap,
} from './swap-files.js';
import {fstabNode, swapUnitName} from './unit-name.js';

/**
 * unitDirs are the directories systemd loads units from, in its precedence order (an earlier one hides the same name
 * in later ones). A mask in /etc/systemd/system hides every one after it; only generator.early is before.
 */
export const unitDirs = [
  '/run/systemd/generator.early',
  '/etc/systemd/system',
  '/run/systemd/system',
  '/run/systemd/generator',
  '/usr/local/lib/systemd/system',
  '/usr/lib/systemd/system',
  '/lib/systemd/system',
  '/run/systemd/generator.late',
] as const;

/** maskDir is where `systemctl mask` puts its links to /dev/null. */
export const maskDir = '/etc/systemd/system';

/**
 * zramConfigDirs are where zram-generator reads `zram-generator.conf` and `zram-generator.conf.d/`, most important
 * first (upstream reads /usr/lib, /usr/local/lib, /etc and /run; Debian's build reads /lib too).
 */
export const zramConfigDirs = [
  '/run/systemd',
  '/etc/systemd',
  '/usr/local/lib/systemd',
  '/usr/lib/systemd',
  '/lib/systemd',
] as const;

const zramGenerators = [
  '/usr/lib/systemd/system-generators/zram-generator',
  '/lib/systemd/system-generators/zram-generator',
];
const swapUnitFile = /^(?![-.])[A-Za-z0-9:_.\\@-]{1,250}\.swap$/;

/** SwapUnitFile is one `.swap` unit file found in a unit directory: a mask (link to /dev/null, or empty), or a unit. */
export interface SwapUnitFile {
  readonly unit: string;
  readonly path: string;
  readonly mask: boolean;
  readonly what?: string;
}

/** SwapObserved is the probed swap state: active swap, and everything that would activate swap at the next boot. */
export interface SwapObserved {
  /** Whether systemd runs in the root (then units are started and stopped; otherwise only files change). */
  readonly systemd: boolean;
  /** Whether the root boots with systemd at all (its manager binary is there): masks mean nothing otherwise. */
  readonly bootsSystemd: boolean;
  readonly active: readonly ActiveSwap[];
  readonly fstab: readonly FstabSwap[];
  /** Every `.swap` file of every unit directory, in precedence order (masks included). */
  readonly unitFiles: readonly SwapUnitFile[];
  /** zram devices zram-generator makes swap on (empty when the generator is not installed), and the files saying so. */
  readonly zram: {readonly devices: readonly string[]; readonly files: readonly string[]};
  /** systemd's own view of its swap units (`systemctl list-units --type=swap --all`), unit -> active state. */
  readonly systemdUnits: Readonly<Record<string, string>>;
}

/** emptySwap is what the probe returns when swap is neither declared nor managed: nothing is read. */
const emptySwap: SwapObserved = {
  systemd: false,
  bootsSystemd: false,
  active: [],
  fstab: [],
  unitFiles: [],
  zram: {devices: [], files: []},
  systemdUnits: {},
};

/**
 * probeSwap reads /proc/swaps, /etc/fstab, the `.swap` files of every unit directory (with their `What=`), the
 * zram-generator configuration, and — when systemd runs — its swap units in one `systemctl list-units` call.
 * Read-only.
 */
export async function probeSwap({host, desired, state}: ProbeRequest): Promise<SwapObserved> {
  if (desired.config.spec?.swap === undefined && state.resources['swap'] === undefined) return emptySwap;
  const systemd = (await host.stat('/run/systemd/system'))?.isDirectory() === true;
  const [procSwaps, fstabText, unitFiles, zram, systemdUnits, manager] = await Promise.all([
    host.readText('/proc/swaps'),
    host.readText('/etc/fstab'),
    readUnitFiles(host),
    readZram(host),
    systemd ? listSwapUnits(host) : {},
    Promise.all(['/usr/lib/systemd/systemd', '/lib/systemd/systemd'].map((p) => host.stat(p))),
  ]);
  return {
    systemd,
    bootsSystemd: systemd || manager.some(Boolean),
    active: parseProcSwaps(procSwaps ?? ''),
    fstab: parseFstabSwaps(fstabText ?? '', fstabNode),
    unitFiles,
    zram,
    systemdUnits,
  };
}

async function readUnitFiles(host: Host): Promise<SwapUnitFile[]> {
  const out: SwapUnitFile[] = [];
  for (const dir of unitDirs) {
    for (const name of (await host.readDir(dir)) ?? []) {
      if (!swapUnitFile.test(name)) continue;
      const path = `${dir}/${name}`;
      // A link to /dev/null reads as empty at `/`; under a root it points at the root's /dev/null, which may not exist.
      const text =
        (await host.resolve(path)) === host.hostPath('/dev/null')
          ? ''
          : await host.readText(path).catch(() => undefined);
      if (text === undefined) continue;
      const what = unitWhat(text);
      out.push({unit: name, path, mask: text.trim() === '', ...(what ? {what} : {})});
    }
  }
  return out;
}

async function readZram(host: Host): Promise<SwapObserved['zram']> {
  const installed = await Promise.all(zramGenerators.map((p) => host.stat(p)));
  if (!installed.some(Boolean)) return {devices: [], files: []};
  let main: string | undefined;
  for (const dir of zramConfigDirs)
    if (main === undefined && (await host.stat(`${dir}/zram-generator.conf`))) main = `${dir}/zram-generator.conf`;
  const dropIns = new Map<string, string>();
  for (const dir of zramConfigDirs) {
    for (const name of (await host.readDir(`${dir}/zram-generator.conf.d`)) ?? [])
      if (name.endsWith('.conf') && !dropIns.has(name)) dropIns.set(name, `${dir}/zram-generator.conf.d/${name}`);
  }
  const files = [...(main ? [main] : []), ...[...dropIns.keys()].sort().map((n) => dropIns.get(n)!)];
  const texts = await Promise.all(files.map(async (f) => (await host.readText(f)) ?? ''));
  return {devices: zramSwapDevices(texts), files};
}

async function listSwapUnits(host: Host): Promise<Record<string, string>> {
  const request = {
    argv: ['systemctl', 'list-units', '--type=swap', '--all', '--plain', '--no-legend', '--full', '--no-pager'],
    timeoutMs: 30_000,
  };
  const result = await host.run(request);
  if (result.exitCode !== 0) throw new Error(describeFailure(request, result));
  const units: Record<string, string> = {};
  for (const line of result.stdout.split('\n')) {
    const [unit, , active] = line.trim().split(/\s+/);
    if (unit && active && swapUnitFile.test(unit)) units[unit] = active;
  }
  return units;
}

/** fstabUnit is the unit systemd-fstab-generator makes of an fstab swap entry. */
export function fstabUnit(entry: FstabSwap): string | undefined {
  return entry.node ? swapUnitName(entry.node) : undefined;
}

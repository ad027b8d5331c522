import type {Host} from '../../host/host.js';
import type {NodeConfig} from '../../config/generated/types.js';
import {error, type Diagnostic, type DocumentPath} from '../../diag/diagnostic.js';
import {canonicalModuleName} from '../../names/module-name.js';
import {assertNever} from '../../diag/cosi-error.js';

/**
 * InitramfsTool is the tool that builds the node's initramfs, which holds its own copy of /etc/modprobe.d (and, with
 * dracut, of /etc/modules-load.d): `update-initramfs` (Debian's and Ubuntu's initramfs-tools) or `dracut` (the RHEL
 * family).
 */
export type InitramfsTool = 'update-initramfs' | 'dracut';

/** reservedModuleName is the name no module may have: `module.initramfs` is the rebuild's address. */
export const reservedModuleName = 'initramfs';

/** initramfsAddress is the address of the initramfs rebuild (SPEC §2): one per node, planned by the module provider. */
export const initramfsAddress = `module.${reservedModuleName}`;

/** reservedNameError is the error for a module named `initramfs` at `path`: its address is the rebuild's. */
export function reservedNameError(path: DocumentPath | undefined): Diagnostic {
  return error(
    `no kernel module is named ${reservedModuleName}: cosi keeps the address ${initramfsAddress} for the rebuild of the node's initramfs`,
    path ? {path} : {},
  );
}

/**
 * checkReservedName is the module provider's document rule: no module declared in `spec.modules` may be named
 * `initramfs` (one a CSI driver needs is refused by the plan, {@link reservedNameError}). Pure.
 */
export function checkReservedName(config: NodeConfig): Diagnostic[] {
  return Object.keys(config.spec?.modules ?? {})
    .filter((name) => canonicalModuleName(name) === reservedModuleName)
    .map((name) => reservedNameError(['spec', 'modules', name]));
}

/**
 * InitramfsObserved is what the probe found: the tool (null: none), the images it built under /boot (file names that
 * pass {@link imagePattern}), and, when cosi will rebuild nothing, why.
 */
export interface InitramfsObserved {
  readonly tool: InitramfsTool | null;
  readonly images: readonly string[];
  readonly note?: string;
}

/** imagePattern is an initramfs file name under /boot that cosi shows: the tool's prefix and a plain version. */
const imagePattern = {
  'update-initramfs': /^initrd\.img-[A-Za-z0-9][A-Za-z0-9._+~-]{0,200}$/,
  dracut: /^initramfs-[A-Za-z0-9][A-Za-z0-9._+~-]{0,200}\.img$/,
} as const;

/** Backups and rescue images that the tool does not rebuild (dpkg and dkms leftovers, dracut's kdump and rescue). */
const notRebuilt = /(\.bak|\.old-dkms|\.dpkg-[a-z]+|kdump\.img|-rescue-[^/]*)$/;

/**
 * detectInitramfs finds the node's initramfs tool and its images: initramfs-tools when `/usr/sbin/update-initramfs`
 * (or `/sbin/`) and the directory `/etc/initramfs-tools` exist, else dracut (`/usr/bin/dracut`, `/usr/sbin/dracut`);
 * then the tool's images in /boot (`initrd.img-VERSION`, `initramfs-VERSION.img`). Without a tool, or without an
 * image (the node does not boot through an initramfs of that tool), the result says so in `note`, and no rebuild
 * is ever planned. File names under /boot are input from the node: only plain ones are kept, and none reaches a
 * command line. Read-only.
 */
export async function detectInitramfs(host: Host): Promise<InitramfsObserved> {
  const tool = await detectTool(host);
  if (!tool)
    return {
      tool: null,
      images: [],
      note: 'no initramfs tool found (update-initramfs with /etc/initramfs-tools, or dracut): cosi rebuilds no initramfs, so a module setting holds from the root file system on, not inside an initramfs',
    };
  const images = ((await host.readDir('/boot')) ?? [])
    .filter((name) => imagePattern[tool].test(name) && !notRebuilt.test(name))
    .sort();
  if (images.length === 0)
    return {
      tool,
      images,
      note: `${tool} is installed but /boot holds no initramfs image of it: the node does not boot through one, and cosi rebuilds none`,
    };
  return {tool, images};
}

async function detectTool(host: Host): Promise<InitramfsTool | undefined> {
  const updateInitramfs =
    (await host.stat('/usr/sbin/update-initramfs')) ?? (await host.stat('/sbin/update-initramfs'));
  if (updateInitramfs?.isFile() && (await host.stat('/etc/initramfs-tools'))?.isDirectory()) return 'update-initramfs';
  const dracut = (await host.stat('/usr/bin/dracut')) ?? (await host.stat('/usr/sbin/dracut'));
  if (dracut?.isFile()) return 'dracut';
  return undefined;
}

/**
 * rebuildCommand is the tool's own command that rebuilds every installed kernel's initramfs from the node's current
 * configuration, so that a module setting holds whichever kernel boots next. Fixed argument vectors: nothing from
 * the node or the document is on them.
 */
export function rebuildCommand(tool: InitramfsTool): string[] {
  switch (tool) {
    case 'update-initramfs':
      return ['update-initramfs', '-u', '-k', 'all'];
    case 'dracut':
      return ['dracut', '-f', '--regenerate-all'];
    default:
      return assertNever(tool, 'initramfs tool');
  }
}

/**
 * copiesModulesLoad tells whether the tool's initramfs carries /etc/modules-load.d too: dracut's (systemd in the
 * initramfs runs systemd-modules-load) does, initramfs-tools' does not (it reads /etc/initramfs-tools/modules).
 */
export function copiesModulesLoad(tool: InitramfsTool): boolean {
  switch (tool) {
    case 'update-initramfs':
      return false;
    case 'dracut':
      return true;
    default:
      return assertNever(tool, 'initramfs tool');
  }
}

/** initramfsFacts reports the initramfs tool, its images and its command, or why cosi rebuilds none. Read-only. */
export async function initramfsFacts(host: Host): Promise<Record<string, unknown>> {
  const found = await detectInitramfs(host);
  return {
    tool: found.tool,
    images: found.images.map((name) => `/boot/${name}`),
    rebuild: found.tool && found.images.length > 0 ? rebuildCommand(found.tool).join(' ') : null,
    ...(found.note ? {note: found.note} : {}),
  };
}

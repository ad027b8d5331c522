import {copyFileSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {cachedBuild} from './cache-entry.js';
import {installGrubInGuest, makePartitionedDisk} from './grub-disk.js';
import {customizeRootfs, rootLabel} from './guest-setup.js';
import {type BaseImageRecipe, defaultRecipe, knownRecipes, recipeKey} from './image-recipe.js';
import {vmCacheDir} from './paths.js';
import {runHostCommand} from './run-command.js';

/** BaseImage is a cached, bootable Debian node without cosi: an ext4 root disk plus the kernel and initrd to boot it. */
export type BaseImage = {
  dir: string;
  /** Raw ext4 image; used only as a read-only backing file for per-VM overlays, never written. */
  disk: string;
  kernel: string;
  initrd: string;
  meta: BaseImageMeta;
};

/** BaseImageMeta is recorded next to a base image: what it was built from and how long that took. */
export type BaseImageMeta = {
  key: string;
  recipe: BaseImageRecipe;
  kernelVersion: string;
  builtAt: string;
  seconds: {mmdebstrap: number; mke2fs: number; grubSetup?: number; total: number};
};

/**
 * ensureBaseImage returns the base image for recipe, building it on a cache miss (root and network to the Debian
 * mirror needed; a few minutes). Building: mmdebstrap into a directory, {@link customizeRootfs}, copy out vmlinuz and
 * initrd, then `mke2fs -t ext4 -d` — no loop mounts; a recipe that boots through GRUB gets a partitioned disk and one
 * setup boot that installs GRUB on it (grub-disk.ts). The rootfs directory is deleted afterwards.
 */
export async function ensureBaseImage(
  recipe: BaseImageRecipe = defaultRecipe,
  log: (line: string) => void = () => {},
): Promise<BaseImage> {
  const key = recipeKey(recipe);
  const dir = await cachedBuild(join(vmCacheDir(), 'base'), key, async (tmp) => {
    const started = Date.now();
    const root = join(tmp, 'rootfs');
    log(`vm: building base image ${key} (mmdebstrap ${recipe.suite}, ${recipe.packages.join(',')})`);
    const output = await runHostCommand(
      [
        'mmdebstrap',
        '--mode=root',
        `--variant=${recipe.variant}`,
        `--include=${recipe.packages.join(',')}`,
        '--skip=output/dev',
        ...recipe.customizeHooks.map((hook) => `--customize-hook=${hook}`),
        recipe.suite,
        root,
        ...recipe.mirrors,
      ],
      {timeoutMs: 30 * 60_000},
    );
    writeFileSync(join(tmp, 'mmdebstrap.log'), output);
    const debootstrapped = Date.now();
    customizeRootfs(root, recipe);
    const boot = readdirSync(join(root, 'boot'));
    const vmlinuz = boot.find((f) => f.startsWith('vmlinuz-'));
    const initrd = boot.find((f) => f.startsWith('initrd.img-'));
    if (!vmlinuz || !initrd)
      throw new Error(`Expected a kernel and an initrd in ${root}/boot, found: ${boot.join(', ')}`);
    copyFileSync(join(root, 'boot', vmlinuz), join(tmp, 'vmlinuz'));
    copyFileSync(join(root, 'boot', initrd), join(tmp, 'initrd.img'));
    if (recipe.boot === 'grub-pc') await makePartitionedDisk(root, join(tmp, 'disk.raw'), recipe.diskSize);
    else {
      await runHostCommand(
        ['mke2fs', '-q', '-F', '-t', 'ext4', '-L', rootLabel, '-d', root, join(tmp, 'disk.raw'), recipe.diskSize],
        {
          timeoutMs: 10 * 60_000,
        },
      );
    }
    const imaged = Date.now();
    if (recipe.boot === 'grub-pc')
      await installGrubInGuest({
        disk: join(tmp, 'disk.raw'),
        kernel: join(tmp, 'vmlinuz'),
        initrd: join(tmp, 'initrd.img'),
        workDir: tmp,
      });
    const done = Date.now();
    rmSync(root, {recursive: true, force: true});
    const meta: BaseImageMeta = {
      key,
      recipe,
      kernelVersion: vmlinuz.slice('vmlinuz-'.length),
      builtAt: new Date().toISOString(),
      seconds: {
        mmdebstrap: (debootstrapped - started) / 1000,
        mke2fs: (imaged - debootstrapped) / 1000,
        ...(recipe.boot ? {grubSetup: (done - imaged) / 1000} : {}),
        total: (done - started) / 1000,
      },
    };
    writeFileSync(join(tmp, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
    log(`vm: base image ${key} built in ${meta.seconds.total.toFixed(1)} s (kernel ${meta.kernelVersion})`);
  });
  // The use stamp: other worktrees sharing the cache (with other recipes) prune only what nobody used for a while.
  const now = new Date();
  utimesSync(join(dir, '.complete'), now, now);
  pruneOtherBases(join(vmCacheDir(), 'base'), [key, ...knownRecipes.map(recipeKey)]);
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as BaseImageMeta;
  return {dir, disk: join(dir, 'disk.raw'), kernel: join(dir, 'vmlinuz'), initrd: join(dir, 'initrd.img'), meta};
}

/** unusedFor is how long a base image of another recipe stays in the cache after its last use (2 days). */
const unusedFor = 2 * 24 * 3600 * 1000;

// Base images of older recipes are dead weight (about 1 GB each); half-built ones are cleaned by cachedBuild. A cache
// shared by several worktrees (COSI_VM_CACHE) holds the bases of their recipes too, and a suite may be booted from one
// right now: only bases unused for `unusedFor` (the mtime of `.complete`, touched on every use) are deleted.
function pruneOtherBases(baseDir: string, keep: string[]): void {
  for (const name of readdirSync(baseDir)) {
    if (!/^base-([a-z-]+-)?[0-9a-f]+$/.test(name) || keep.includes(name)) continue;
    let used = 0;
    try {
      used = statSync(join(baseDir, name, '.complete')).mtimeMs;
    } catch {
      // No stamp: an incomplete or foreign entry; cachedBuild cleans the incomplete ones.
    }
    if (Date.now() - used > unusedFor) rmSync(join(baseDir, name), {recursive: true, force: true});
  }
}

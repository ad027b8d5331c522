import {existsSync, readFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

/** PackageFile names the files of cosi's own package that cosi reads at run time. */
export type PackageFile = 'package.json' | 'schemas/cosi.schema.json' | `systemd/${string}`;

/** SeaModule is the part of `node:sea` cosi uses (Node 20.12 and newer). */
interface SeaModule {
  isSea(): boolean;
  getAsset(key: string, encoding: string): string;
}

let sea: SeaModule | null | undefined;

/**
 * seaModule is `node:sea` when cosi runs as a single executable application, else null. Required, not imported:
 * Node before 20.12 has no `node:sea`, and the bundle run through node:vm has no import().
 */
function seaModule(): SeaModule | null {
  if (sea === undefined) {
    try {
      const module = createRequire(import.meta.url)('node:sea') as SeaModule;
      sea = module.isSea() ? module : null;
    } catch {
      sea = null;
    }
  }
  return sea;
}

let root: string | undefined;

/**
 * packageRoot is the directory of cosi's package.json, found by walking up from this module, so that it is right
 * from the compiled tree (dist/src/...) and from the bundle (dist/bundle/...) alike.
 */
function packageRoot(): string {
  if (root === undefined) {
    let dir = dirname(fileURLToPath(import.meta.url));
    while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'schemas'))) {
      const parent = dirname(dir);
      if (parent === dir) throw new Error('internal error (this is a bug in cosi): cannot find the package directory');
      dir = parent;
    }
    root = dir;
  }
  return root;
}

/**
 * readPackageFile reads one of cosi's own files: from the executable's assets when cosi runs as a single executable
 * (scripts/dist/executable.mjs embeds them under the same names), else from the package directory. Read-only.
 */
export function readPackageFile(file: PackageFile): string {
  const executable = seaModule();
  return executable ? executable.getAsset(file, 'utf8') : readFileSync(join(packageRoot(), file), 'utf8');
}

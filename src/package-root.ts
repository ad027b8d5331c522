import {existsSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

/**
 * packageRoot is the directory of cosi's package.json, found by walking up from this module, so that it is right
 * from the compiled tree (dist/src/...) and from the bundle (dist/bundle/...) alike.
 */
export const packageRoot: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'schemas'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('internal error (this is a bug in cosi): cannot find the package directory');
    dir = parent;
  }
  return dir;
})();

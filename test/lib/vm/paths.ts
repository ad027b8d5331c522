import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';

/**
 * repoRoot is the cosi working tree the harness was compiled from: this file lives at
 * `test/lib/vm/paths.ts` and runs as `dist/test/lib/vm/paths.js`, so the root is four levels up from the
 * compiled file.
 */
export const repoRoot: string = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/**
 * vmCacheDir returns where built images are kept: `$COSI_VM_CACHE` when set, otherwise `<repo>/.cache/vm`
 * (ignored by git). Deleting the directory forces a cold build.
 */
export function vmCacheDir(): string {
  return resolve(process.env['COSI_VM_CACHE'] ?? join(repoRoot, '.cache', 'vm'));
}

/** compiledDir is the directory of the compiled harness (`dist/test/lib/vm`), where the guest agent's JS is. */
export const compiledDir: string = dirname(fileURLToPath(import.meta.url));

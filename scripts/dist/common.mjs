// What the release steps share: the checkout, cosi's version, where artifacts go, and running a tool loudly.
import {spawnSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

/** repo is the checkout's root. */
export const repo = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** version is cosi's version, from package.json. */
export const version = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).version;

/** release is the directory the artifacts go to; work is scratch space for the steps (both under dist/). */
export const release = join(repo, 'dist/release');
export const work = join(repo, 'dist/release-work');

/** artifacts names every file `npm run dist` writes into release/. */
export const artifacts = {
  executable: `cosi-${version}-linux-x64`,
  deb: `cosi_${version}_amd64.deb`,
  rpm: `cosi-${version}-1.x86_64.rpm`,
  image: `cosi-${version}.oci.tar`,
};

/** bundleBuild names the build of dist/bundle/cosi.cjs (its first line holds the hash of its text). */
export function bundleBuild() {
  const text = readFileSync(join(repo, 'dist/bundle/cosi.cjs'), 'latin1');
  return text.slice(0, text.indexOf('\n'));
}

/**
 * run runs a tool and throws with its output when it fails. With `capture` it returns the tool's stdout and keeps
 * its stderr for the error (dpkg-shlibdeps and postject warn about what cosi cannot change); else both go to ours.
 */
export function run(argv, {cwd, env, capture = false, input} = {}) {
  const result = spawnSync(argv[0], argv.slice(1), {cwd, env: {...process.env, ...env}, input, stdio: [input === undefined ? 'ignore' : 'pipe', capture ? 'pipe' : 'inherit', capture ? 'pipe' : 'inherit'], encoding: 'utf8', maxBuffer: 64 << 20});
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`\`${argv.join(' ')}\` exited ${result.status ?? result.signal}${capture ? `:\n${result.stderr}${result.stdout}` : ''}`);
  return capture ? result.stdout : '';
}

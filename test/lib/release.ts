// The release artifacts of `npm run dist` (dist/release/), for the suites that test them. `.ci/run` builds them
// before the e2e suites; a suite run on its own builds them when they are missing or older than the bundle.
import {execFileSync} from 'node:child_process';
import {readFileSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {repoRoot} from './debian-root.js';

/** cosiVersion is the version in package.json, which the artifacts are named after. */
export const cosiVersion: string = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {version: string}).version;

/** Artifact names one file `npm run dist` writes. */
export type Artifact = 'executable' | 'deb' | 'rpm' | 'image';

const names: Record<Artifact, string> = {
  executable: `cosi-${cosiVersion}-linux-x64`,
  deb: `cosi_${cosiVersion}_amd64.deb`,
  rpm: `cosi-${cosiVersion}-1.x86_64.rpm`,
  image: `cosi-${cosiVersion}.oci.tar`,
};

const mtime = (path: string) => statSync(path, {throwIfNoEntry: false})?.mtimeMs;

/** releaseArtifact is the path of an artifact, built first (with what it is made from) when missing or stale. */
export function releaseArtifact(artifact: Artifact): string {
  const path = join(repoRoot, 'dist/release', names[artifact]);
  const built = mtime(path);
  const bundle = mtime(join(repoRoot, 'dist/bundle/cosi.cjs.cache')) ?? Infinity;
  if (built === undefined || built < bundle) {
    execFileSync(process.execPath, [join(repoRoot, 'scripts/dist.mjs'), artifact], {stdio: ['ignore', 'inherit', 'inherit']});
  }
  return path;
}

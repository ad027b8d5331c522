// The release artifacts of `npm run dist` (dist/release/), for the suites that test them. `.ci/run` builds them
// before the e2e suites; a suite run on its own builds them when they are missing or made from another build of the
// bundle (dist/release/builds.json, written by scripts/dist.mjs, names the bundle build of each).
import {execFileSync} from 'node:child_process';
import {existsSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {repoRoot} from './debian-root.js';

/** cosiVersion is the version in package.json, which the artifacts are named after. */
export const cosiVersion: string = (
  JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {version: string}
).version;

/** Artifact names one file `npm run dist` writes. */
export type Artifact = 'executable' | 'deb' | 'rpm' | 'image';

const names: Record<Artifact, string> = {
  executable: `cosi-${cosiVersion}-linux-x64`,
  deb: `cosi_${cosiVersion}_amd64.deb`,
  rpm: `cosi-${cosiVersion}-1.x86_64.rpm`,
  image: `cosi-${cosiVersion}.oci.tar`,
};

const firstLine = (path: string) => {
  const text = readFileSync(path, 'latin1');
  return text.slice(0, text.indexOf('\n'));
};

/** releaseArtifact is the path of an artifact, built first (with what it is made from) when missing or stale. */
export function releaseArtifact(artifact: Artifact): string {
  const path = join(repoRoot, 'dist/release', names[artifact]);
  const builds = join(repoRoot, 'dist/release/builds.json');
  const made = existsSync(builds)
    ? (JSON.parse(readFileSync(builds, 'utf8')) as Partial<Record<Artifact, string>>)
    : {};
  if (!existsSync(path) || made[artifact] !== firstLine(join(repoRoot, 'dist/bundle/cosi.cjs'))) {
    execFileSync(process.execPath, [join(repoRoot, 'scripts/dist.mjs'), artifact], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  }
  return path;
}

#!/usr/bin/env node
// Builds cosi's release artifacts into dist/release/ (SPEC §8, docs/shipping.md): the single executable, the .deb,
// the .rpm and the OCI image archive. `npm run dist` runs `npm run build` first. Offline but for Debian's mirror,
// which the image's root comes from (cached under .cache/dist/). `node scripts/dist.mjs deb rpm` builds only those
// (and the executable they are made from).
import {existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {artifacts, bundleBuild, release, version, work} from './dist/common.mjs';
import {buildDeb} from './dist/deb.mjs';
import {buildExecutable} from './dist/executable.mjs';
import {buildImage} from './dist/image.mjs';
import {buildRpm} from './dist/rpm.mjs';

const steps = ['executable', 'deb', 'rpm', 'image'];
const wanted = process.argv.length > 2 ? process.argv.slice(2) : steps;
for (const step of wanted)
  if (!steps.includes(step)) throw new Error(`unknown step ${step}; the steps are ${steps.join(', ')}`);

rmSync(work, {recursive: true, force: true});
mkdirSync(release, {recursive: true});
mkdirSync(work, {recursive: true});
const path = (name) => join(release, name);
// builds.json names the bundle build each artifact was made from (test/lib/release.ts rebuilds what is stale).
const builds = join(release, 'builds.json');
const made = existsSync(builds) ? JSON.parse(readFileSync(builds, 'utf8')) : {};
const timed = async (name, build) => {
  const started = performance.now();
  await build();
  made[name] = bundleBuild();
  writeFileSync(builds, JSON.stringify(made, null, 2) + '\n');
  const size = statSync(path(artifacts[name])).size;
  console.log(
    `dist: ${artifacts[name]}: ${(size / 1e6).toFixed(1)} MB in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
};

console.log(`dist: cosi ${version}`);
// Every other artifact is made from the executable: it is always built (5 s).
const step = (name, build) => (name === 'executable' || wanted.includes(name) ? timed(name, build) : undefined);
await step('executable', () => buildExecutable(path(artifacts.executable)));
await step('deb', () => buildDeb({executable: path(artifacts.executable), output: path(artifacts.deb)}));
await step('rpm', () => buildRpm({executable: path(artifacts.executable), output: path(artifacts.rpm)}));
await step('image', () => buildImage({executable: path(artifacts.executable), output: path(artifacts.image)}));
rmSync(work, {recursive: true, force: true});

// The installed tree that the .deb and the .rpm both carry (one list of files, so `rpm -qpl` and `dpkg -c` agree):
// /usr/bin/cosi, the systemd units, man pages, bash completion, the example document, the copyright file and the
// changelog. Files are 0644 and directories 0755 but for the executable; the packagers set root ownership.
import {execFileSync} from 'node:child_process';
import {chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {gzipSync} from 'node:zlib';
import {repo, version} from './common.mjs';

/** maintainer is who the packages name as their maintainer. */
export const maintainer = 'cosi maintainers <maintainers@cosi.dev>';

/** summary and description are the packages' one-line and long descriptions. */
export const summary = 'declarative configuration engine for Kubernetes nodes';
export const description = [
  'cosi reads one YAML document describing a Kubernetes node (OS packages, kernel',
  'modules, sysctls, systemd units, the container runtime, CNI, CSI prerequisites,',
  'seccomp profiles), probes the node read-only, plans the ordered changes and',
  'applies them: atomic writes, a lock, a journal, and re-running converges.',
  'This package carries cosi as one executable with Node.js inside, its systemd',
  'units (which it neither enables nor starts), man pages and bash completion.',
];

/** unitsDir is where the packages put the systemd units. */
export const unitsDir = 'usr/lib/systemd/system';

/** sourceDateEpoch is the time of the checkout's last commit (reproducible dates), or now outside git. */
export function sourceDateEpoch() {
  if (process.env.SOURCE_DATE_EPOCH) return Number(process.env.SOURCE_DATE_EPOCH);
  try {
    return Number(execFileSync('git', ['-C', repo, 'log', '-1', '--format=%ct'], {encoding: 'utf8'}).trim());
  } catch {
    return Math.floor(Date.now() / 1000);
  }
}

/**
 * packagedUnit is a unit of systemd/ as the packages install it: the repository's units run the npm install's
 * /usr/local/bin/cosi, the packages' run /usr/bin/cosi. The one source stays systemd/.
 */
export function packagedUnit(text) {
  const out = text.replaceAll('/usr/local/bin/cosi', '/usr/bin/cosi');
  if (out.includes('/usr/local/')) throw new Error('a unit in systemd/ names another /usr/local path; the packages cannot follow it');
  return out;
}

/** bundledComponents lists the third-party software inside the executable: Node.js and the production npm packages. */
function bundledComponents() {
  const lock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8'));
  const seen = new Map();
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (!path || entry.dev) continue;
    seen.set(`${path.split('node_modules/').pop()} ${entry.version}`, entry.license ?? 'see its package');
  }
  return [`Node.js ${process.version.slice(1)}: MIT and others (https://github.com/nodejs/node/blob/main/LICENSE)`,
    ...[...seen].sort(([a], [b]) => a.localeCompare(b)).map(([name, license]) => `${name}: ${license}`)];
}

/** copyright is the machine-readable (DEP-5) copyright file. */
function copyright(year) {
  return [
    'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/',
    'Upstream-Name: cosi',
    'Upstream-Contact: ' + maintainer,
    'Source: https://cosi.dev',
    'Comment: /usr/bin/cosi is a Node.js single executable application: it embeds',
    ' Node.js and the npm packages below, each under its own license.',
    ...bundledComponents().map((line) => ` ${line}`),
    '',
    'Files: *',
    `Copyright: ${year} The cosi authors`,
    'License: Apache-2.0',
    '',
    'License: Apache-2.0',
    ' Licensed under the Apache License, Version 2.0 (the "License"); you may not',
    ' use this file except in compliance with the License. You may obtain a copy of',
    ' the License at https://www.apache.org/licenses/LICENSE-2.0',
    ' .',
    ' Unless required by applicable law or agreed to in writing, software',
    ' distributed under the License is distributed on an "AS IS" BASIS, WITHOUT',
    ' WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the',
    ' License for the specific language governing permissions and limitations under',
    ' the License.',
    ' .',
    ' On Debian systems, the complete text of the Apache License, Version 2.0 can be',
    ' found in "/usr/share/common-licenses/Apache-2.0".',
    '',
  ].join('\n');
}

/** changelog is a changelog in Debian's format with one entry for this version (cosi is a native package). */
function changelog(epoch) {
  const date = new Date(epoch * 1000).toUTCString().replace('GMT', '+0000');
  return `cosi (${version}) unstable; urgency=medium\n\n  * Release ${version}; see https://cosi.dev for what it holds.\n\n -- ${maintainer}  ${date}\n`;
}

function put(root, path, content, mode = 0o644) {
  mkdirSync(dirname(join(root, path)), {recursive: true, mode: 0o755});
  writeFileSync(join(root, path), content);
  chmodSync(join(root, path), mode);
}

/**
 * buildTree writes the installed tree into `root` from the executable and what `npm run build` generated
 * (dist/share: the man pages and the completion). Returns the installed paths, sorted.
 */
export function buildTree({root, executable}) {
  const epoch = sourceDateEpoch();
  mkdirSync(join(root, 'usr/bin'), {recursive: true, mode: 0o755});
  copyFileSync(executable, join(root, 'usr/bin/cosi'));
  chmodSync(join(root, 'usr/bin/cosi'), 0o755);
  for (const unit of readdirSync(join(repo, 'systemd')).sort()) {
    put(root, `${unitsDir}/${unit}`, packagedUnit(readFileSync(join(repo, 'systemd', unit), 'utf8')));
  }
  const man = join(repo, 'dist/share/man/man8');
  const pages = existsSync(man) ? readdirSync(man).filter((f) => f.endsWith('.8')).sort() : [];
  if (!pages.includes('cosi.8')) throw new Error(`${man}/cosi.8 is missing: \`npm run build\` generates the man pages`);
  // gzip -9n: no name, no time stamp in the header, as Debian policy asks.
  for (const page of pages) put(root, `usr/share/man/man8/${page}.gz`, gzipSync(readFileSync(join(man, page)), {level: 9}));
  const completion = join(repo, 'dist/share/bash-completion/completions/cosi');
  if (!existsSync(completion)) throw new Error(`${completion} is missing: \`npm run build\` generates it`);
  put(root, 'usr/share/bash-completion/completions/cosi', readFileSync(completion));
  put(root, 'usr/share/doc/cosi/examples/cosi.config.example.yaml', readFileSync(join(repo, 'cosi.config.example.yaml')));
  put(root, 'usr/share/doc/cosi/copyright', copyright(new Date(epoch * 1000).getUTCFullYear()));
  put(root, 'usr/share/doc/cosi/changelog.gz', gzipSync(changelog(epoch), {level: 9}));
  return listFiles(root);
}

/** listFiles lists the regular files under `root` as absolute installed paths, sorted. */
export function listFiles(root, dir = '') {
  const out = [];
  for (const entry of readdirSync(join(root, dir), {withFileTypes: true})) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...listFiles(root, path));
    else out.push(path);
  }
  return out.sort();
}

/** daemonReload is the shell both packages run after installing and after removing: reload systemd, nothing else. */
export const daemonReload = [
  '# The units changed: let systemd see them. Nothing is enabled or started: the operator or cloud-init decides.',
  'if [ -d /run/systemd/system ]; then',
  '  systemctl --system daemon-reload >/dev/null || true',
  'fi',
].join('\n');

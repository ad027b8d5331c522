// The .deb: the installed tree (tree.mjs) plus DEBIAN/{control,postinst,postrm}, built by dpkg-deb with root
// ownership (--root-owner-group, no fakeroot needed). Dependencies are what dpkg-shlibdeps reads from the executable's
// dynamic section (glibc, libgcc, libstdc++), so the package needs no Node.js.
import {createHash} from 'node:crypto';
import {chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {run, version, work} from './common.mjs';
import {buildTree, daemonReload, description, listFiles, maintainer, sourceDateEpoch, summary} from './tree.mjs';

/** shlibDepends asks dpkg-shlibdeps which libraries packages the executable needs. */
function shlibDepends(executable) {
  const dir = mkdtempSync(join(work, 'shlibdeps-'));
  try {
    mkdirSync(join(dir, 'debian'));
    writeFileSync(join(dir, 'debian/control'), 'Source: cosi\n\nPackage: cosi\nArchitecture: amd64\n');
    const out = run(['dpkg-shlibdeps', '-O', `-e${executable}`], {cwd: dir, capture: true});
    const depends = /^shlibs:Depends=(.*)$/m.exec(out)?.[1];
    if (!depends) throw new Error(`dpkg-shlibdeps gave no dependencies: ${out}`);
    return depends;
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
}

/**
 * lintianOverrides are lintian's findings on the executable that are what it is: Node.js's own binary (built by
 * Node.js upstream, not by Debian's toolchain) with cosi inside.
 */
const lintianOverrides = [
  '# Node.js, inside the single executable, carries its own zlib: the executable must run with no Node.js on the node.',
  'cosi: embedded-library zlib [usr/bin/cosi]',
  "# Node.js's release binaries are linked without PIE; cosi ships Node.js's binary and does not rebuild Node.js.",
  'cosi: hardening-no-pie [usr/bin/cosi]',
  '# Reading /var/lib/dpkg/status is how cosi probes a Debian node\'s packages (read-only, one read for all of them).',
  'cosi: uses-dpkg-database-directly [usr/bin/cosi]',
  '',
].join('\n');

function script(path, body) {
  writeFileSync(path, `#!/bin/sh\nset -e\n${body}\n`);
  chmodSync(path, 0o755);
}

/** buildDeb writes the .deb to `output` from the single executable. */
export function buildDeb({executable, output}) {
  const root = join(work, 'deb');
  rmSync(root, {recursive: true, force: true});
  buildTree({root, executable});
  const installedKb = Number(run(['du', '-sk', '--apparent-size', root], {capture: true}).split('\t')[0]);
  mkdirSync(join(root, 'usr/share/lintian/overrides'), {recursive: true, mode: 0o755});
  writeFileSync(join(root, 'usr/share/lintian/overrides/cosi'), lintianOverrides);
  const files = listFiles(root);
  mkdirSync(join(root, 'DEBIAN'), {mode: 0o755});
  writeFileSync(join(root, 'DEBIAN/control'), [
    'Package: cosi',
    `Version: ${version}`,
    'Architecture: amd64',
    `Maintainer: ${maintainer}`,
    `Installed-Size: ${installedKb}`,
    `Depends: ${shlibDepends(join(root, 'usr/bin/cosi'))}`,
    'Section: admin',
    'Priority: optional',
    'Homepage: https://cosi.dev',
    `Description: ${summary}`,
    ...description.map((line) => ` ${line}`),
    '',
  ].join('\n'));
  // dpkg --verify reads these.
  writeFileSync(join(root, 'DEBIAN/md5sums'), files.map((path) => `${createHash('md5').update(readFileSync(join(root, path))).digest('hex')}  ${path.slice(1)}\n`).join(''));
  script(join(root, 'DEBIAN/postinst'), `case "$1" in\n  configure)\n${indent(daemonReload)}\n    ;;\nesac`);
  // Removing or purging leaves /etc/cosi and /var/lib/cosi alone: they are the node's, not the package's.
  script(join(root, 'DEBIAN/postrm'), `case "$1" in\n  remove|purge)\n${indent(daemonReload)}\n    ;;\nesac`);
  // xz at level 6 (dpkg's default) costs ~40 s on the 100 MB executable; level 2 is ~4x faster for 10% more.
  run(['dpkg-deb', '--root-owner-group', '-Zxz', '-z2', '--build', root, output], {capture: true, env: {SOURCE_DATE_EPOCH: String(sourceDateEpoch())}});
  rmSync(root, {recursive: true, force: true});
}

function indent(text) {
  return text.split('\n').map((line) => `    ${line}`).join('\n');
}

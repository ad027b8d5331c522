// The .rpm: the same installed tree as the .deb (tree.mjs), packaged by rpmbuild from a generated spec. The
// executable is already stripped and carries the executable's blob, so rpm's post-install steps (strip, build-id
// links, debug packages) are off; its requirements are what rpm reads from the executable's dynamic section
// (glibc, libstdc++, libgcc) and /bin/sh for the scriptlets.
import {copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {run, version, work} from './common.mjs';
import {buildTree, daemonReload, description, maintainer, sourceDateEpoch, summary} from './tree.mjs';

/** ownedDirs are the directories the package owns (the rest belong to the base system or to systemd). */
const ownedDirs = ['/usr/share/doc/cosi', '/usr/share/doc/cosi/examples'];

/** buildRpm writes the .rpm to `output` from the single executable. */
export function buildRpm({executable, output}) {
  const top = join(work, 'rpm');
  const tree = join(top, 'tree');
  rmSync(top, {recursive: true, force: true});
  const files = buildTree({root: tree, executable});
  const spec = join(top, 'cosi.spec');
  writeFileSync(spec, [
    '%global debug_package %{nil}',
    '%global __os_install_post %{nil}',
    '%global _build_id_links none',
    // xz at level 2: a few seconds for the 100 MB executable instead of most of a minute.
    '%global _binary_payload w2.xzdio',
    'Name: cosi',
    `Version: ${version}`,
    'Release: 1',
    `Summary: ${summary.replace(/^./, (c) => c.toUpperCase())}`,
    'License: Apache-2.0',
    'URL: https://cosi.dev',
    `Packager: ${maintainer}`,
    '',
    '%description',
    ...description,
    '',
    '%install',
    `cp -a ${tree}/. %{buildroot}/`,
    '',
    '%post',
    daemonReload,
    '',
    '%postun',
    // Removing leaves /etc/cosi and /var/lib/cosi alone: they are the node's, not the package's.
    daemonReload,
    '',
    '%files',
    '%defattr(-,root,root,-)',
    ...ownedDirs.map((dir) => `%dir ${dir}`),
    ...files,
    '',
  ].join('\n'));
  run(['rpmbuild', '--quiet', '-bb', '--target', 'x86_64-linux', '--define', `_topdir ${top}`, spec], {capture: true, env: {SOURCE_DATE_EPOCH: String(sourceDateEpoch())}});
  const built = join(top, 'RPMS/x86_64');
  const [rpm] = readdirSync(built);
  if (!rpm) throw new Error(`rpmbuild wrote nothing into ${built}`);
  mkdirSync(join(output, '..'), {recursive: true});
  copyFileSync(join(built, rpm), output);
  rmSync(top, {recursive: true, force: true});
}

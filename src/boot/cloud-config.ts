import {stringify} from 'yaml';
import {orderedUnits, readUnits, runtimeDropIn} from './units.js';

/** InstallSource says where a first-boot node gets cosi from. */
export type InstallSource = {readonly kind: 'image'} | {readonly kind: 'npm'; readonly spec: string};

/** parseInstallSource reads `--install`: `image` (cosi is in the image), `npm:SPEC` (a registry name, tarball path or URL). */
export function parseInstallSource(text: string | undefined): InstallSource | string {
  if (text === undefined || text === 'image') return {kind: 'image'};
  if (text.startsWith('npm:') && text.length > 4) return {kind: 'npm', spec: text.slice(4)};
  if (/^https?:\/\//.test(text)) return {kind: 'npm', spec: text};
  return `expected --install to be image, npm:SPEC or an https:// URL of a cosi tarball, got ${JSON.stringify(text)}`;
}

/**
 * cloudConfig builds `#cloud-config` user-data for a node's first boot: it writes the document, cosi's units and
 * drop-ins that order containerd, CRI-O and the kubelet after cosi-apply.service, installs cosi when asked, and
 * applies the document. cloud-init's `runcmd` runs late (after multi-user.target on Debian), so ordering does not
 * rest on it: whichever of the runtime and kubelet units start later — including ones the document installs —
 * wait for cosi-apply.service through the drop-ins, and the apply itself runs from the unit. Pure.
 */
export function cloudConfig(request: {document: string; install: InstallSource}): string {
  const units = readUnits();
  const files = [
    {path: '/etc/cosi/config.yaml', permissions: '0600', owner: 'root:root', content: request.document},
    ...Object.entries(units).map(([name, content]) => ({path: `/etc/systemd/system/${name}`, permissions: '0644', owner: 'root:root', content})),
    ...orderedUnits.map((unit) => ({path: `/etc/systemd/system/${unit}.d/10-cosi.conf`, permissions: '0644', owner: 'root:root', content: runtimeDropIn})),
  ];
  const install = request.install.kind === 'npm'
    ? [['npm', 'install', '--global', '--no-fund', '--no-audit', request.install.spec], ['ln', '-sf', '/usr/local/lib/node_modules/cosi/bin/cosi.js', '/usr/local/bin/cosi']]
    : [];
  const config: Record<string, unknown> = {
    ...(request.install.kind === 'npm' ? {packages: ['nodejs', 'npm']} : {}),
    write_files: files,
    runcmd: [
      ...install,
      ['systemctl', 'daemon-reload'],
      ['systemctl', 'enable', 'cosi-apply.service', 'cosi-drift.timer'],
      ['systemctl', 'start', 'cosi-apply.service'],
      ['systemctl', 'start', 'cosi-drift.timer'],
    ],
  };
  return '#cloud-config\n' + stringify(config, {lineWidth: 0, blockQuote: 'literal'});
}

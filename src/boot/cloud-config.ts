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

/** firstBootUnit is the transient unit that applies the document on a first boot when cosi is in the image. */
export const firstBootUnit = 'cosi-first-boot';

/**
 * firstBootCommand queues the first apply as a transient unit (`systemd-run --no-block`) from `bootcmd`. bootcmd runs
 * inside cloud-init.service, which Debian orders before sysinit.target, so every normal service — the runtime and the
 * kubelet included — still has its start job waiting; the unit runs after cloud-init.service (so after write_files)
 * and before those units, which systemd holds until it ends. The drop-ins written by write_files are not loaded yet
 * at that point, hence an ordering of its own. `cloud-init-per instance` makes it once per instance.
 */
function firstBootCommand(): string[] {
  const after = ['cloud-init.service', 'local-fs.target', 'swap.target', 'systemd-modules-load.service', 'systemd-sysctl.service'];
  return [
    'cloud-init-per', 'instance', firstBootUnit,
    'systemd-run', '--no-block', `--unit=${firstBootUnit}`, '--description=Apply the node configuration at first boot (cosi)',
    '--service-type=oneshot',
    '--property=DefaultDependencies=no',
    ...after.map((unit) => `--property=After=${unit}`),
    ...orderedUnits.map((unit) => `--property=Before=${unit}`),
    '--property=Before=multi-user.target',
    '--property=Conflicts=shutdown.target',
    '--property=Before=shutdown.target',
    '--property=TimeoutStartSec=30min',
    '/usr/local/bin/cosi', 'apply', '--auto-approve', '--no-color', '--lock-timeout', '300', '/etc/cosi/config.yaml',
  ];
}

/**
 * cloudConfig builds `#cloud-config` user-data for a node's first boot: it writes the document, cosi's units and
 * drop-ins that order containerd, CRI-O and the kubelet after cosi-apply.service (every later boot), and applies the
 * document. cloud-init's `runcmd` runs late (after multi-user.target on Debian), so the first apply does not rest on
 * it: with cosi in the image, `bootcmd` queues it before the runtime and the kubelet start ({@link firstBootCommand});
 * installed from npm, cosi exists only once `runcmd` has installed it, so the apply runs from there, and only the
 * runtime and kubelet units that start after it (those the document installs) are ordered behind it. Pure.
 */
export function cloudConfig(request: {document: string; install: InstallSource}): string {
  const units = readUnits();
  const files = [
    {path: '/etc/cosi/config.yaml', permissions: '0600', owner: 'root:root', content: request.document},
    ...Object.entries(units).map(([name, content]) => ({path: `/etc/systemd/system/${name}`, permissions: '0644', owner: 'root:root', content})),
    ...orderedUnits.map((unit) => ({path: `/etc/systemd/system/${unit}.d/10-cosi.conf`, permissions: '0644', owner: 'root:root', content: runtimeDropIn})),
  ];
  const source = request.install;
  const fromNpm = source.kind === 'npm';
  const install = source.kind === 'npm'
    ? [['npm', 'install', '--global', '--no-fund', '--no-audit', source.spec], ['ln', '-sf', '/usr/local/lib/node_modules/cosi/bin/cosi.js', '/usr/local/bin/cosi']]
    : [];
  const config: Record<string, unknown> = {
    ...(fromNpm ? {packages: ['nodejs', 'npm']} : {bootcmd: [firstBootCommand()]}),
    write_files: files,
    runcmd: [
      ...install,
      ['systemctl', 'daemon-reload'],
      ['systemctl', 'enable', 'cosi-apply.service', 'cosi-drift.timer'],
      ...(fromNpm ? [['systemctl', 'start', 'cosi-apply.service']] : []),
      ['systemctl', 'start', 'cosi-drift.timer'],
    ],
  };
  return '#cloud-config\n' + stringify(config, {lineWidth: 0, blockQuote: 'literal'});
}

import {stringify} from 'yaml';
import {orderedUnits, readUnits, runtimeDropIn} from './units.js';

/** InstallSource says where a first-boot node gets cosi from. */
export type InstallSource =
  | {readonly kind: 'image'}
  | {readonly kind: 'npm'; readonly spec: string}
  | {readonly kind: 'deb' | 'binary'; readonly url: string; readonly sha256?: string};

const installHelp =
  'expected --install to be image, deb:URL, binary:URL, npm:SPEC or an https:// URL of a cosi tarball';

/**
 * parseInstallSource reads `--install`: `image` (cosi is in the image), `deb:URL` (cosi's .deb), `binary:URL` (the
 * single executable), `npm:SPEC` (a registry name, tarball path or URL) or a bare https:// URL of an npm tarball. A
 * deb or binary URL may end in `#sha256=HEX`, checked on the node before anything is installed; without it the URL
 * must be https. Returns the problem as a string.
 */
export function parseInstallSource(text: string | undefined): InstallSource | string {
  if (text === undefined || text === 'image') return {kind: 'image'};
  if (text.startsWith('npm:') && text.length > 4) return {kind: 'npm', spec: text.slice(4)};
  const download = /^(deb|binary):(.*)$/.exec(text);
  if (download) {
    const [, kind, rest] = download as unknown as [string, 'deb' | 'binary', string];
    const [url, fragment] = rest.split(/#(?=sha256=)/, 2) as [string, string | undefined];
    const sha256 = fragment?.slice('sha256='.length).toLowerCase();
    if (sha256 !== undefined && !/^[0-9a-f]{64}$/.test(sha256))
      return `expected #sha256= to be followed by 64 hexadecimal digits in --install ${JSON.stringify(text)}`;
    if (!/^https?:\/\/[^\s'"\\`$<>|;&(){}\x00-\x1f\x7f]+$/.test(url))
      return `${installHelp}: ${JSON.stringify(url)} is not an http(s) URL without spaces, quotes or shell characters`;
    if (url.startsWith('http:') && sha256 === undefined)
      return `--install ${kind}:http://... downloads without TLS: add #sha256=HEX or use https`;
    return {kind, url, ...(sha256 !== undefined ? {sha256} : {})};
  }
  if (/^https:\/\//.test(text)) return {kind: 'npm', spec: text};
  return `${installHelp}, got ${JSON.stringify(text)}`;
}

/** installedBinary is where each install source puts the cosi executable. */
function installedBinary(source: InstallSource): string {
  return source.kind === 'deb' ? '/usr/bin/cosi' : '/usr/local/bin/cosi';
}

/** firstBootInstaller is where the deb and binary modes write the script that downloads and installs cosi. */
export const firstBootInstaller = '/usr/local/sbin/cosi-first-boot-install';

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

/**
 * installerScript downloads cosi (with python3, which cloud-init itself runs on, so no curl is assumed), checks its
 * digest when one was given, installs it (dpkg through apt for a .deb, install(1) for the executable), then applies.
 * It runs in the first-boot unit, after cloud-init.service has brought the network up.
 */
function installerScript(
  source: {kind: 'deb' | 'binary'; url: string; sha256?: string},
  apply: readonly string[],
): string {
  const target = source.kind === 'deb' ? '"$dir/cosi.deb"' : '"$dir/cosi"';
  return [
    '#!/bin/sh',
    '# Written by cosi cloud-init: installs cosi on the first boot, then applies the node configuration.',
    'set -eu',
    'dir=$(mktemp -d /var/tmp/cosi-install.XXXXXX)',
    'trap \'rm -rf "$dir"\' EXIT',
    `python3 -c 'import sys, urllib.request; urllib.request.urlretrieve(sys.argv[1], sys.argv[2])' ${shellQuote(source.url)} ${target}`,
    ...(source.sha256 !== undefined
      ? [`echo ${shellQuote(`${source.sha256}  `)}${target} | sha256sum --check --quiet --strict -`]
      : []),
    source.kind === 'deb'
      ? `DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${target}`
      : `install -m 0755 ${target} /usr/local/bin/cosi`,
    `exec ${apply.join(' ')}`,
    '',
  ].join('\n');
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
function firstBootCommand(source: InstallSource): string[] {
  const after = [
    'cloud-init.service',
    'local-fs.target',
    'swap.target',
    'systemd-modules-load.service',
    'systemd-sysctl.service',
  ];
  return [
    'cloud-init-per',
    'instance',
    firstBootUnit,
    'systemd-run',
    '--no-block',
    `--unit=${firstBootUnit}`,
    '--description=Apply the node configuration at first boot (cosi)',
    '--service-type=oneshot',
    '--property=DefaultDependencies=no',
    ...after.map((unit) => `--property=After=${unit}`),
    ...orderedUnits.map((unit) => `--property=Before=${unit}`),
    '--property=Before=multi-user.target',
    '--property=Conflicts=shutdown.target',
    '--property=Before=shutdown.target',
    '--property=TimeoutStartSec=30min',
    ...(source.kind === 'deb' || source.kind === 'binary' ? ['/bin/sh', firstBootInstaller] : applyCommand(source)),
  ];
}

function applyCommand(source: InstallSource): string[] {
  return [
    installedBinary(source),
    'apply',
    '--auto-approve',
    '--no-color',
    '--lock-timeout',
    '300',
    '/etc/cosi/config.yaml',
  ];
}

/**
 * cloudConfig builds `#cloud-config` user-data for a node's first boot: it writes the document, cosi's units and
 * drop-ins that order containerd, CRI-O and the kubelet after cosi-apply.service (every later boot), and applies the
 * document. cloud-init's `runcmd` runs late (after multi-user.target on Debian), so the first apply does not rest on
 * it: with cosi in the image, `bootcmd` queues it before the runtime and the kubelet start ({@link firstBootCommand});
 * from a .deb or the single executable (`deb:URL`, `binary:URL`), the same queued unit first runs
 * {@link firstBootInstaller}, which downloads and installs cosi, then applies; installed from npm, cosi exists only
 * once `runcmd` has installed it, so the apply runs from there, and only the runtime and kubelet units that start after
 * it (those the document installs) are ordered behind it. Pure.
 */
export function cloudConfig(request: {document: string; install: InstallSource}): string {
  const source = request.install;
  const units = readUnits();
  const files = [
    {path: '/etc/cosi/config.yaml', permissions: '0600', owner: 'root:root', content: request.document},
    // The .deb installs the units itself, under /usr/lib/systemd/system with ExecStart=/usr/bin/cosi.
    ...(source.kind === 'deb'
      ? []
      : Object.entries(units).map(([name, content]) => ({
          path: `/etc/systemd/system/${name}`,
          permissions: '0644',
          owner: 'root:root',
          content,
        }))),
    ...orderedUnits.map((unit) => ({
      path: `/etc/systemd/system/${unit}.d/10-cosi.conf`,
      permissions: '0644',
      owner: 'root:root',
      content: runtimeDropIn,
    })),
    ...(source.kind === 'deb' || source.kind === 'binary'
      ? [
          {
            path: firstBootInstaller,
            permissions: '0700',
            owner: 'root:root',
            content: installerScript(source, applyCommand(source)),
          },
        ]
      : []),
  ];
  const fromNpm = source.kind === 'npm';
  const install =
    source.kind === 'npm'
      ? [
          ['npm', 'install', '--global', '--no-fund', '--no-audit', source.spec],
          ['ln', '-sf', '/usr/local/lib/node_modules/cosi/bin/cosi.js', '/usr/local/bin/cosi'],
        ]
      : [];
  const config: Record<string, unknown> = {
    ...(fromNpm ? {packages: ['nodejs', 'npm']} : {bootcmd: [firstBootCommand(source)]}),
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

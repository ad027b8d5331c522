import {createHost} from '../../host/host.js';
import {providers} from '../../resources/registry.js';
import {version} from '../../version.js';
import type {Options} from '../args.js';
import type {Output} from '../output.js';

/** facts prints what cosi reads from the node: OS, kernel, package manager, init system, and each kind's facts. */
export async function facts(options: Options, output: Output): Promise<number> {
  const host = createHost({root: options.root});
  const osRelease = parseOsRelease((await host.readText('/etc/os-release')) ?? (await host.readText('/usr/lib/os-release')) ?? '');
  const managers = await Promise.all(
    (['apt', 'dnf', 'apk'] as const).map(async (m) => ((await host.stat({apt: '/usr/bin/dpkg', dnf: '/usr/bin/rpm', apk: '/sbin/apk'}[m])) ? m : undefined)),
  );
  const kinds: Record<string, unknown> = {};
  for (const provider of providers) if (provider.facts) kinds[provider.kind] = await provider.facts({host});
  const result = {
    formatVersion: '1',
    type: 'facts',
    cosiVersion: version,
    root: host.root,
    os: {id: osRelease.ID ?? null, versionId: osRelease.VERSION_ID ?? null, prettyName: osRelease.PRETTY_NAME ?? null},
    kernel: {release: (await host.readText('/proc/sys/kernel/osrelease'))?.trim() ?? null, arch: process.arch},
    packageManager: managers.find(Boolean) ?? null,
    systemd: (await host.stat('/run/systemd/system')) !== undefined,
    ...kinds,
  };
  if (options.json) output.out(JSON.stringify(result));
  else output.out(renderFacts(result));
  return 0;
}

function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!.replace(/^["']|["']$/g, '');
  }
  return out;
}

/** renderFacts renders facts for people; long lists and maps (installed packages) are counted, --json lists them. */
function renderFacts(value: Record<string, unknown>, indent = ''): string {
  return Object.entries(value)
    .map(([k, v]) => {
      const size = Array.isArray(v) ? v.length : v && typeof v === 'object' ? Object.keys(v).length : 0;
      if (size > 20) return `${indent}${k}: ${size} entries (--json lists them)`;
      if (v && typeof v === 'object' && !Array.isArray(v) && size === 0) return `${indent}${k}: (none)`;
      if (v && typeof v === 'object' && !Array.isArray(v)) return `${indent}${k}:\n${renderFacts(v as Record<string, unknown>, indent + '  ')}`;
      if (Array.isArray(v)) return `${indent}${k}: ${v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ') || '(none)'}`;
      return `${indent}${k}: ${String(v)}`;
    })
    .join('\n');
}

import {loadDocument} from '../../resources/document.js';
import {makePlan} from '../../engine/make-plan.js';
import {loadState} from '../../engine/state.js';
import {createHost, type Host} from '../../host/host.js';
import type {ResourceKind} from '../../plan/resource-kind.js';
import {detectManager} from '../../resources/package/detect.js';
import {documentSections, providers} from '../../resources/registry.js';
import {version} from '../../version.js';
import type {Options} from '../args.js';
import {defaultConfig} from '../context.js';
import type {Output} from '../output.js';
import {joinRoot} from '../../host/node-path.js';

/** The kinds whose plans carry conditions (SPEC §2); facts probes only these for the default document's conditions. */
const conditionKinds: readonly ResourceKind[] = ['csi.driver', 'cni.plugin', 'module'];

/**
 * facts prints what cosi reads from the node: OS, kernel, package manager, init system, each kind's facts, and, when
 * the node has the default document, the conditions of its CSI drivers and CNI plugins. Read-only.
 */
export async function facts(options: Options, output: Output): Promise<number> {
  const host = createHost({root: options.root});
  const osRelease = parseOsRelease(
    (await host.readText('/etc/os-release')) ?? (await host.readText('/usr/lib/os-release')) ?? '',
  );
  // The same rule as planning uses (os-release's family first), so facts and plan never name different managers.
  const detected = await detectManager(host, 'auto');
  const kinds: Record<string, unknown> = {};
  for (const provider of providers) if (provider.facts) kinds[provider.kind] = await provider.facts({host});
  const result = {
    formatVersion: '1',
    type: 'facts',
    cosiVersion: version,
    root: host.root,
    os: {id: osRelease.ID ?? null, versionId: osRelease.VERSION_ID ?? null, prettyName: osRelease.PRETTY_NAME ?? null},
    kernel: {release: (await host.readText('/proc/sys/kernel/osrelease'))?.trim() ?? null, arch: process.arch},
    packageManager: 'backend' in detected ? detected.backend.manager : null,
    systemd: (await host.stat('/run/systemd/system')) !== undefined,
    ...kinds,
    ...(await documentConditions(options, host)),
  };
  if (options.json) output.out(JSON.stringify(result));
  else output.out(renderFacts(result));
  return 0;
}

/** documentConditions plans the condition kinds of the default document, if the node has one; never fails facts. */
async function documentConditions(options: Options, host: Host): Promise<Record<string, unknown>> {
  if (!(await host.stat(defaultConfig))) return {};
  const file = joinRoot(options.root, defaultConfig);
  // Read as every command reads the default document: resolved inside the root.
  const {document} = await loadDocument({file, inNode: {root: options.root, nodePath: defaultConfig}});
  if (!document)
    return {conditions: {document: defaultConfig, error: `the document is not valid (cosi validate ${file} says why)`}};
  const plan = await makePlan({
    host,
    desired: document.desired,
    state: await loadState(host),
    providers: providers.filter((p) => conditionKinds.includes(p.kind)),
    sections: documentSections,
  });
  return {conditions: {document: defaultConfig, items: plan.conditions}};
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
      if (v && typeof v === 'object' && !Array.isArray(v))
        return `${indent}${k}:\n${renderFacts(v as Record<string, unknown>, indent + '  ')}`;
      if (Array.isArray(v))
        return `${indent}${k}: ${v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ') || '(none)'}`;
      return `${indent}${k}: ${String(v)}`;
    })
    .join('\n');
}

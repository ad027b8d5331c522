import type {Cni, CniNetwork} from '../../config/generated/types.js';
import {canonicalJson} from '../../engine/digest.js';

/** isSinglePlugin tells a single-plugin configuration (`type`, no `plugins[]`) from a configuration list. */
export function isSinglePlugin(network: CniNetwork): boolean {
  return network.plugins === undefined && typeof network.type === 'string';
}

/** networkFileName is the file a declared network is written to: `<stem>.conf` for one plugin, else `<stem>.conflist`. */
export function networkFileName(stem: string, network: CniNetwork): string {
  return `${stem}${isSinglePlugin(network) ? '.conf' : '.conflist'}`;
}

/**
 * renderNetwork renders a network configuration (list or single plugin) as cosi writes it: canonical JSON (keys sorted, two-space
 * indent, final newline), so the same document always gives the same bytes.
 */
export function renderNetwork(network: CniNetwork): string {
  return `${JSON.stringify(JSON.parse(canonicalJson(network)), null, 2)}\n`;
}

/** canonicalText returns the canonical JSON of a file's content, or undefined when it is not JSON. */
export function canonicalText(text: string): string | undefined {
  try {
    return canonicalJson(JSON.parse(text));
  } catch {
    return undefined;
  }
}

/**
 * pluginTypes lists the binaries a network runs: each plugin's `type` (the network's own for a single-plugin
 * configuration), and the `type` of its `ipam` section.
 */
export function pluginTypes(network: CniNetwork): string[] {
  const types = new Set<string>();
  for (const plugin of network.plugins ?? (isSinglePlugin(network) ? [network] : [])) {
    const entry = plugin as {type?: unknown; ipam?: {type?: unknown}};
    if (typeof entry.type === 'string') types.add(entry.type);
    if (typeof entry.ipam?.type === 'string') types.add(entry.ipam.type);
  }
  return [...types];
}

/** neededBinaries lists every binary the document names: `plugins`, `external` and the types its networks run, sorted. */
export function neededBinaries(cni: Cni): string[] {
  const names = new Set([...(cni.plugins ?? []), ...(cni.external ?? [])]);
  for (const network of Object.values(cni.networks ?? {})) for (const type of pluginTypes(network)) names.add(type);
  return [...names].filter((n) => /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(n) && n !== '..').sort();
}

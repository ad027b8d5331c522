import type {NodeConfig} from '../../config/generated/types.js';
import {error, type Diagnostic} from '../../diag/diagnostic.js';

/**
 * checkCniRules is the CNI part of the document rules (called from `checkRules`, so every diagnostic gets its
 * position): a network is either a configuration list or a single-plugin configuration, not both; network names
 * are unique among the declared networks (runtimes and libcni find a network by name); a binary is either checked
 * (`plugins`) or left to another component (`external`), not both. Offline and pure.
 */
export function checkCniRules(config: NodeConfig): Diagnostic[] {
  const cni = config.spec?.cni;
  if (!cni) return [];
  const found: Diagnostic[] = [];
  const names = new Map<string, string>();
  for (const [stem, network] of Object.entries(cni.networks ?? {})) {
    const at = ['spec', 'cni', 'networks', stem];
    if (network.type !== undefined && network.plugins !== undefined) {
      found.push(
        error(`CNI network ${stem} has both plugins[] and type`, {
          path: [...at, 'type'],
          detail:
            'a configuration list has plugins[] (each with its type); a single-plugin configuration has type and no plugins[]',
        }),
      );
    }
    const other = names.get(network.name);
    if (other !== undefined)
      found.push(
        error(`CNI network name ${JSON.stringify(network.name)} is used by both ${other} and ${stem}`, {
          path: [...at, 'name'],
          detail: 'network names must be unique on the node',
        }),
      );
    else names.set(network.name, stem);
  }
  const checked = new Set(cni.plugins ?? []);
  for (const [index, name] of (cni.external ?? []).entries()) {
    if (checked.has(name))
      found.push(
        error(`CNI plugin ${name} is in both cni.plugins and cni.external`, {
          path: ['spec', 'cni', 'external', index],
          detail:
            'plugins must be present when cosi checks them; external ones are installed by another component and only reported while missing',
        }),
      );
  }
  return found;
}

import {error, type Diagnostic} from '../../diag/diagnostic.js';
import {movedNote, settingLayout, translateSetting, type ConfigVersion} from './config-version.js';
import {renderKey, type SettingLeaf} from './settings-leaves.js';

/**
 * placeSettings puts each declared containerd setting where containerd reads it in a file of config version
 * `version`: a key written in another version's layout (the Kubernetes docs' version 2 SystemdCgroup recipe on a
 * containerd 2.x node whose file is version 3) moves to its table in this version, with a note for the plan, as
 * containerd 2.x itself migrates a version 2 file. A key this version does not have, or two declared keys that land
 * on one, is an error at the document's key. Pure.
 */
export function placeSettings(
  leaves: readonly SettingLeaf[],
  version: ConfigVersion,
): {leaves: SettingLeaf[]; diagnostics: Diagnostic[]} {
  const placed: SettingLeaf[] = [];
  const diagnostics: Diagnostic[] = [];
  const taken = new Map<string, readonly string[]>();
  for (const leaf of leaves) {
    const declared = leaf.source ?? leaf.path;
    const to = translateSetting(leaf.path, version);
    const at = ['spec', 'runtime', 'settings', ...declared];
    if (!to) {
      diagnostics.push(
        error(`${renderKey(declared)} has no place in containerd's config version ${version}`, {
          path: at,
          detail: `it is config version ${settingLayout(declared)}'s key, which containerd reads only from a file of that version`,
        }),
      );
      continue;
    }
    const key = renderKey(to);
    const other = taken.get(key);
    if (other) {
      diagnostics.push(
        error(`${renderKey(declared)} and ${renderKey(other)} are one key in config version ${version}: ${key}`, {
          path: at,
          related: [{message: 'declared here too', path: ['spec', 'runtime', 'settings', ...other]}],
        }),
      );
      continue;
    }
    taken.set(key, declared);
    const moved = key !== renderKey(leaf.path);
    placed.push(
      moved ? {...leaf, path: to, source: declared, note: leaf.note ?? movedNote(declared, version)} : {...leaf},
    );
  }
  return {leaves: placed, diagnostics};
}

/**
 * inLayout gives the same leaves in the layout of config version `version` (the installed engine's defaults, to check
 * keys and look up default entries), each keeping its declared path as `source`; keys that have no place there are
 * left as they are. Pure.
 */
export function inLayout(leaves: readonly SettingLeaf[], version: ConfigVersion): SettingLeaf[] {
  return leaves.map((leaf) => {
    const to = translateSetting(leaf.path, version);
    return to ? {...leaf, path: to, source: leaf.source ?? leaf.path} : leaf;
  });
}

import {renderKey, type SettingLeaf} from './settings-leaves.js';

/**
 * MovedSetting is a containerd setting prefix that lives elsewhere in another config version: version 2
 * (containerd 1.x) keeps the CRI plugin under `io.containerd.grpc.v1.cri`, version 3 (containerd 2.x) splits it
 * into `io.containerd.cri.v1.runtime` and `io.containerd.cri.v1.images`, and version 1 called it `cri`.
 */
interface MovedSetting {
  readonly v1: readonly string[];
  readonly v2: readonly string[];
  readonly v3: readonly string[];
}

const cri2 = ['plugins', 'io.containerd.grpc.v1.cri'];
const runtime3 = ['plugins', 'io.containerd.cri.v1.runtime'];
const images3 = ['plugins', 'io.containerd.cri.v1.images'];

const moved: readonly MovedSetting[] = [
  {v1: ['plugins', 'cri', 'containerd'], v2: [...cri2, 'containerd'], v3: [...runtime3, 'containerd']},
  {v1: ['plugins', 'cri', 'cni'], v2: [...cri2, 'cni'], v3: [...runtime3, 'cni']},
  {v1: ['plugins', 'cri', 'enable_selinux'], v2: [...cri2, 'enable_selinux'], v3: [...runtime3, 'enable_selinux']},
  {
    v1: ['plugins', 'cri', 'max_container_log_line_size'],
    v2: [...cri2, 'max_container_log_line_size'],
    v3: [...runtime3, 'max_container_log_line_size'],
  },
  {v1: ['plugins', 'cri', 'registry'], v2: [...cri2, 'registry'], v3: [...images3, 'registry']},
  {
    v1: ['plugins', 'cri', 'sandbox_image'],
    v2: [...cri2, 'sandbox_image'],
    v3: [...images3, 'pinned_images', 'sandbox'],
  },
  {
    v1: ['plugins', 'cri', 'image_pull_progress_timeout'],
    v2: [...cri2, 'image_pull_progress_timeout'],
    v3: [...images3, 'image_pull_progress_timeout'],
  },
];

function startsWith(path: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((p, i) => p === path[i]);
}

/** ConfigVersion is a containerd configuration format version. */
export type ConfigVersion = 1 | 2 | 3;

/**
 * misplacedSetting tells, for one setting, where it belongs in config version `version` when it is written in
 * another version's layout (a setting containerd of that version does not read). Pure.
 */
export function misplacedSetting(leaf: SettingLeaf, version: ConfigVersion): string | undefined {
  for (const entry of moved) {
    for (const other of [1, 2, 3] as const) {
      if (other === version) continue;
      const from = entry[`v${other}`];
      if (!startsWith(leaf.path, from)) continue;
      const to = [...entry[`v${version}`], ...leaf.path.slice(from.length)];
      if (startsWith(leaf.path, entry[`v${version}`])) continue;
      return `${renderKey(leaf.path)} is config version ${other} layout; config version ${version} reads it as ${renderKey(to)}`;
    }
  }
  return undefined;
}

/** supportedConfigVersions are the config versions a containerd release reads (1.x: 1 and 2; 2.x: 2 and 3). */
export function supportedConfigVersions(major: number): readonly ConfigVersion[] {
  return major >= 2 ? [2, 3] : [1, 2];
}

/** defaultConfigVersion is the version cosi writes into a new file for a containerd release (unknown: 2). */
export function defaultConfigVersion(major: number | undefined): ConfigVersion {
  return major !== undefined && major >= 2 ? 3 : 2;
}

import {renderKey} from './settings-leaves.js';

/** ConfigVersion is a containerd configuration format version. */
export type ConfigVersion = 1 | 2 | 3;

const cri1 = ['plugins', 'cri'];
const cri2 = ['plugins', 'io.containerd.grpc.v1.cri'];
const runtime3 = ['plugins', 'io.containerd.cri.v1.runtime'];
const images3 = ['plugins', 'io.containerd.cri.v1.images'];

/**
 * The CRI plugin's keys that config version 3 (containerd 2.x) moved to the image service plugin
 * `io.containerd.cri.v1.images`, and those that stay with the CRI server under `io.containerd.grpc.v1.cri`; every
 * other key of the version 2 CRI table moved to `io.containerd.cri.v1.runtime`. After containerd's own migration of
 * version 2 files (containerd/containerd release/2.0: plugins/cri/images/plugin.go and plugins/cri/runtime/plugin.go,
 * `configMigration`) and docs/cri/config.md.
 */
const imageKeys = new Set([
  'registry',
  'image_decryption',
  'max_concurrent_downloads',
  'image_pull_progress_timeout',
  'image_pull_with_sync_fs',
  'stats_collect_period',
]);
const imageContainerdKeys = new Set(['snapshotter', 'disable_snapshot_annotations', 'discard_unpacked_layers']);
const serverKeys = new Set([
  'disable_tcp_service',
  'stream_server_address',
  'stream_server_port',
  'stream_idle_timeout',
  'enable_tls_streaming',
  'x509_key_pair_streaming',
]);

function startsWith(path: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((p, i) => p === path[i]);
}

/** settingLayout tells which config version's layout a setting's path is written in, when only one reads it there. */
export function settingLayout(path: readonly string[]): ConfigVersion | undefined {
  if (startsWith(path, cri1)) return 1;
  if (startsWith(path, runtime3) || startsWith(path, images3)) return 3;
  if (startsWith(path, cri2) && path.length > 2 && !serverKeys.has(path[2]!)) return 2;
  return undefined;
}

/** toVersion2 maps a CRI setting of any layout to version 2's; undefined when version 2 has no such key. */
function toVersion2(path: readonly string[]): string[] | undefined {
  if (startsWith(path, cri1)) return [...cri2, ...path.slice(2)];
  if (startsWith(path, runtime3)) return [...cri2, ...path.slice(2)];
  if (startsWith(path, images3)) {
    const [key, sub] = path.slice(2);
    if (key === 'pinned_images') return sub === 'sandbox' && path.length === 4 ? [...cri2, 'sandbox_image'] : undefined;
    if (imageContainerdKeys.has(key!)) return [...cri2, 'containerd', ...path.slice(2)];
    return imageKeys.has(key!) ? [...cri2, ...path.slice(2)] : undefined;
  }
  return [...path];
}

/** fromVersion2 maps a version 2 setting to the layout of `version`. */
function fromVersion2(path: readonly string[], version: ConfigVersion): string[] {
  if (!startsWith(path, cri2) || path.length < 3) return [...path];
  const rest = path.slice(2);
  if (version === 1) return [...cri1, ...rest];
  if (version === 2 || serverKeys.has(rest[0]!)) return [...path];
  if (rest[0] === 'sandbox_image') return [...images3, 'pinned_images', 'sandbox', ...rest.slice(1)];
  if (imageKeys.has(rest[0]!)) return [...images3, ...rest];
  if (rest[0] === 'containerd' && imageContainerdKeys.has(rest[1]!)) return [...images3, ...rest.slice(1)];
  return [...runtime3, ...rest];
}

/**
 * translateSetting maps a setting's key path to where containerd reads it in config version `version`: a path in
 * another version's layout (the Kubernetes docs' version 2 recipe in a version 3 file, say) is moved to its table
 * there, as containerd 2.x itself migrates a version 2 file. `undefined` when that version has no such key
 * (`io.containerd.cri.v1.images` keys that version 2 lacks). A path in no version's CRI layout is returned as is.
 * Pure.
 */
export function translateSetting(path: readonly string[], version: ConfigVersion): string[] | undefined {
  const v2 = toVersion2(path);
  return v2 ? fromVersion2(v2, version) : undefined;
}

/** movedNote says, for the plan, where a setting declared in another layout is written. */
export function movedNote(declared: readonly string[], version: ConfigVersion): string {
  return `declared as ${renderKey(declared)}, config version ${settingLayout(declared)}'s layout: config version ${version} reads it here`;
}

/** supportedConfigVersions are the config versions a containerd release reads (1.x: 1 and 2; 2.x: 2 and 3). */
export function supportedConfigVersions(major: number): readonly ConfigVersion[] {
  return major >= 2 ? [2, 3] : [1, 2];
}

/** defaultConfigVersion is the version cosi writes into a new file for a containerd release (unknown: 2). */
export function defaultConfigVersion(major: number | undefined): ConfigVersion {
  return major !== undefined && major >= 2 ? 3 : 2;
}

import {canonicalJson, sortKeys} from '../../engine/digest.js';

/** defaultSeccompDir is the kubelet's seccomp root (`<kubelet root>/seccomp`) when the document names none. */
export const defaultSeccompDir = '/var/lib/kubelet/seccomp';

/** cosiSubdir is cosi's own subdirectory of the seccomp root: the only place `exclusive: true` removes files. */
export const cosiSubdir = 'cosi';

/** profileNodePath joins a profile's relative path to the seccomp root. */
export function profileNodePath(dir: string, relative: string): string {
  return `${dir.replace(/\/+$/, '')}/${relative}`;
}

/**
 * renderProfile is the file cosi writes for a profile: canonical JSON (keys sorted at every level, two-space
 * indentation, final newline), so that the same profile always gives the same bytes.
 */
export function renderProfile(profile: unknown): string {
  return JSON.stringify(sortKeys(profile), null, 2) + '\n';
}

/**
 * canonicalText reads a profile file as canonical JSON for comparison (formatting and key order do not count),
 * or undefined when the file is not JSON.
 */
export function canonicalText(text: string): string | undefined {
  try {
    return canonicalJson(JSON.parse(text));
  } catch {
    return undefined;
  }
}

import {parse, stringify} from 'yaml';
import type {WireResource} from '../../agent/state-client.js';

/** resourceView is a resource as `cosi get` shows it: metadata (times as ISO dates) and the spec parsed from YAML. */
export function resourceView(resource: WireResource, event?: string): Record<string, unknown> {
  const m = resource.metadata;
  const time = (t: unknown) => {
    const seconds = Number((t as {seconds?: string} | null)?.seconds ?? 0);
    return seconds > 0 ? new Date(seconds * 1000).toISOString() : null;
  };
  let spec: unknown;
  try {
    spec = parse(resource.spec.yaml_spec);
  } catch {
    spec = resource.spec.yaml_spec;
  }
  return {
    ...(event ? {event: event.toLowerCase()} : {}),
    metadata: {
      namespace: m['namespace'],
      type: m['type'],
      id: m['id'],
      version: m['version'],
      owner: m['owner'],
      phase: m['phase'],
      created: time(m['created']),
      updated: time(m['updated']),
      labels: m['labels'] ?? {},
    },
    spec,
  };
}

/** renderResource is one YAML document (`---` first), or one JSON line with `json`. */
export function renderResource(view: Record<string, unknown>, json: boolean): string {
  return json ? JSON.stringify(view) : `---\n${stringify(view, {lineWidth: 0}).trimEnd()}`;
}

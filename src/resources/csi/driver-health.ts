import type {HeldPath, Host} from '../../host/host.js';
import {callUnary} from './grpc-unary.js';
import {decodePluginInfo, decodeProbe, emptyMessage, identityService} from './messages.js';

/** DriverHealth is what a CSI driver's socket said, or why it said nothing. */
export type DriverHealth =
  | {readonly state: 'no-socket'; readonly endpoint: string}
  | {readonly state: 'unreachable'; readonly endpoint: string; readonly reason: string}
  | {readonly state: 'timeout'; readonly endpoint: string; readonly timeoutMs: number; readonly call: string}
  | {
      readonly state: 'answered';
      readonly endpoint: string;
      readonly name: string;
      readonly vendorVersion: string;
      readonly ready: boolean;
    };

/** defaultProbeTimeoutMs bounds each CSI call: a node plugin answers Identity calls in milliseconds. */
export const defaultProbeTimeoutMs = 3000;

/**
 * probeDriver asks a CSI driver's node plugin, over its unix socket (a node path, resolved inside the root), for
 * `Identity.GetPluginInfo` and `Identity.Probe`. Read-only, bounded by `timeoutMs` per call; never throws.
 */
export async function probeDriver(
  host: Host,
  endpoint: string,
  timeoutMs = defaultProbeTimeoutMs,
): Promise<DriverHealth> {
  // The socket checked is the socket connected to: held open (O_PATH) and reached through /proc/self/fd.
  const held = await host.holdPath(endpoint);
  if (!held) return {state: 'no-socket', endpoint};
  try {
    return await askDriver(held, endpoint, timeoutMs);
  } finally {
    held.close();
  }
}

async function askDriver(held: HeldPath, endpoint: string, timeoutMs: number): Promise<DriverHealth> {
  if (!held.stats.isSocket()) return {state: 'unreachable', endpoint, reason: 'it exists but is not a unix socket'};
  const socket = held.path;
  const [pluginInfo, probe] = await callUnary(
    [
      {method: `${identityService}/GetPluginInfo`, request: emptyMessage(), timeoutMs},
      {method: `${identityService}/Probe`, request: emptyMessage(), timeoutMs},
    ],
    socket,
  );
  for (const [outcome, call] of [
    [pluginInfo, 'GetPluginInfo'],
    [probe, 'Probe'],
  ] as const) {
    if (outcome === undefined || outcome.ok) continue;
    if (outcome.failure === 'timeout') return {state: 'timeout', endpoint, timeoutMs, call};
    return {state: 'unreachable', endpoint, reason: `${call}: ${outcome.message}`};
  }
  try {
    const {name, vendorVersion} = decodePluginInfo(pluginInfo!.ok ? pluginInfo!.bytes : Buffer.alloc(0));
    const {ready} = decodeProbe(probe!.ok ? probe!.bytes : Buffer.alloc(0));
    return {state: 'answered', endpoint, name, vendorVersion, ready};
  } catch (cause) {
    return {state: 'unreachable', endpoint, reason: `malformed answer: ${(cause as Error).message}`};
  }
}

/** describeHealth says in words what is wrong with a driver, or undefined when it is healthy under `name`. */
export function describeHealth(name: string, health: DriverHealth): string | undefined {
  switch (health.state) {
    case 'no-socket':
      return `its socket ${health.endpoint} does not exist (the node plugin is not running)`;
    case 'unreachable':
      return `its socket ${health.endpoint} does not answer CSI Identity calls: ${health.reason}`;
    case 'timeout':
      return `its socket ${health.endpoint} accepted the connection but ${health.call} got no answer within ${health.timeoutMs} ms`;
    case 'answered':
      if (health.name !== name)
        return `the plugin at ${health.endpoint} is ${JSON.stringify(health.name)}, not ${JSON.stringify(name)}`;
      return health.ready ? undefined : `Identity.Probe says it is not ready`;
  }
}

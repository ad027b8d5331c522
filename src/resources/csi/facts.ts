import type {Host} from '../../host/host.js';
import {describeHealth, probeDriver} from './driver-health.js';
import {callUnary} from './grpc-unary.js';
import {decodeRegistrationInfo, emptyMessage, registrationService} from './messages.js';

/** pluginsRegistry is where the kubelet watches for plugin registration sockets (`<kubelet root>/plugins_registry`). */
export const pluginsRegistry = '/var/lib/kubelet/plugins_registry';

const factsTimeoutMs = 2000;

/**
 * csiFacts lists the plugins registered with the kubelet: each registration socket in `plugins_registry` is asked
 * for its `PluginInfo` (`pluginregistration.Registration/GetInfo`), and each CSI plugin's endpoint for its health
 * (CSI Identity). Read-only; every call is bounded.
 */
export async function csiFacts({host}: {host: Host}): Promise<Record<string, unknown>> {
  const names = ((await host.readDir(pluginsRegistry)) ?? []).filter((n) => !n.startsWith('.'));
  const drivers = await Promise.all(
    names.map(async (socketName) => {
      const registration = `${pluginsRegistry}/${socketName}`;
      const held = await host.holdPath(registration);
      if (!held?.stats.isSocket()) {
        held?.close();
        return {registration, error: 'not a socket'};
      }
      const [outcome] = await callUnary(
        [{method: `${registrationService}/GetInfo`, request: emptyMessage(), timeoutMs: factsTimeoutMs}],
        held.path,
      ).finally(() => held.close());
      if (!outcome?.ok) return {registration, error: outcome ? `${outcome.failure}: ${outcome.message}` : 'no answer'};
      const info = decodeRegistrationInfo(outcome.bytes);
      if (info.type !== 'CSIPlugin') return {registration, name: info.name, type: info.type};
      const health = await probeDriver(host, info.endpoint, factsTimeoutMs);
      const problem = describeHealth(info.name, health);
      return {
        registration,
        name: info.name,
        endpoint: info.endpoint,
        versions: info.supportedVersions,
        healthy: problem === undefined,
        ...(health.state === 'answered' ? {vendorVersion: health.vendorVersion} : {}),
        ...(problem ? {problem} : {}),
      };
    }),
  );
  return {pluginsRegistry, drivers};
}

import type {Host} from '../host/host.js';

/** nodeId identifies the node a plan is made on: /etc/machine-id, else the hostname. Read-only. */
export async function nodeId(host: Host): Promise<string> {
  const machineId = (await host.readText('/etc/machine-id'))?.trim();
  if (machineId) return machineId;
  return (
    (await host.readText('/etc/hostname'))?.trim() ||
    (await host.readText('/proc/sys/kernel/hostname'))?.trim() ||
    'unknown'
  );
}

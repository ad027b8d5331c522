import type {Host} from '../../host/host.js';
import {detectManager} from './detect.js';
import {isPresent} from './wanted.js';

/**
 * packageFacts reports the node's package manager (detected as `manager: auto` would), how many packages are
 * installed, and each installed package's version (name -> version). One query. Read-only; a node without a
 * package manager, or one whose query fails, is reported as such rather than failing `cosi facts`.
 */
export async function packageFacts({host}: {host: Host}): Promise<Record<string, unknown>> {
  const detection = await detectManager(host, 'auto');
  if ('problem' in detection) return {manager: null, count: 0, installed: {}, problem: detection.problem};
  const {backend} = detection;
  const result = await host.run(backend.installedQuery());
  if (result.exitCode !== 0)
    return {
      manager: backend.manager,
      tools: backend.tools,
      count: null,
      installed: {},
      problem: `${backend.installedQuery().argv.join(' ')} failed`,
    };
  const installed = backend
    .parseInstalled(result.stdout)
    .filter(isPresent)
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  return {
    manager: backend.manager,
    tools: backend.tools,
    count: installed.length,
    installed: Object.fromEntries(installed.map((p) => [p.name, p.version])),
  };
}

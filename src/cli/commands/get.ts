import {StateClient, typeOf} from '../../agent/state-client.js';
import {joinRoot} from '../../host/node-path.js';
import {socketDir} from '../../agent/socket-servers.js';
import type {Options} from '../args.js';
import type {Output} from '../output.js';
import {renderResource, resourceView} from '../render/resource-view.js';

/** readSocket is the agent's read socket: --socket, or the one under --root. */
export function readSocket(options: Options): string {
  return options.socket ?? joinRoot(options.root, `${socketDir}/cosi.sock`);
}

/** get prints the resources of a type, or one, from a running agent (`cosi get TYPE [ID]`). Exit 0 or 1. */
export async function get(options: Options, output: Output): Promise<number> {
  const [name, id] = options.positionals;
  const definition = typeOf(name);
  const client = new StateClient(readSocket(options));
  try {
    const resources = id === undefined ? await client.list(definition) : [await client.get(definition, id)];
    for (const r of resources) output.out(renderResource(resourceView(r), options.json));
    return 0;
  } finally {
    client.close();
  }
}

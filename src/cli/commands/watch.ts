import {StateClient, typeOf} from '../../agent/state-client.js';
import type {Options} from '../args.js';
import type {Output} from '../output.js';
import {renderResource, resourceView} from '../render/resource-view.js';
import {readSocket} from './get.js';

/**
 * watch prints the current resources of a type, then each change a running agent observes, until SIGINT or
 * SIGTERM (exit 0) or the agent goes away (exit 1).
 */
export async function watch(options: Options, output: Output): Promise<number> {
  const definition = typeOf(options.positionals[0]);
  const client = new StateClient(readSocket(options));
  const stop = () => client.close();
  process.once('SIGINT', stop).once('SIGTERM', stop);
  try {
    await client.watch(definition, (type, resource) => {
      if (type === 'BOOTSTRAPPED' || type === 'NOOP') return;
      output.out(renderResource(resourceView(resource, type), options.json));
    });
    return 0;
  } catch (cause) {
    // Closed by a signal: the watch ends as the user asked.
    if ((cause as Error).message.startsWith('CANCELLED')) return 0;
    throw cause;
  } finally {
    process.off('SIGINT', stop).off('SIGTERM', stop);
    client.close();
  }
}

import {describeFailure, type CommandRequest} from '../../host/command.js';
import type {Host} from '../../host/host.js';

/** runChecked runs a command on the node and throws, with the command line, status and stderr tail, unless it exits 0. */
export async function runChecked(host: Host, request: CommandRequest): Promise<void> {
  const result = await host.run(request);
  if (result.exitCode !== 0 || !result.started) throw new Error(describeFailure(request, result));
}

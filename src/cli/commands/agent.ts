import {jsonLog} from '../../agent/json-log.js';
import {runAgent} from '../../agent/run-agent.js';
import {createHost} from '../../host/host.js';
import type {Options} from '../args.js';
import {configInNode, configPath} from '../context.js';
import type {Output} from '../output.js';
import {collectFacts} from './facts.js';

/**
 * agent runs `cosi agent` (SPEC §7): the COSI State API on the node's sockets, and reconciles. Runs until SIGTERM or
 * SIGINT; exit 0 then, 1 when it cannot start.
 */
export async function agent(options: Options, _output: Output): Promise<number> {
  const host = createHost({root: options.root});
  const inNode = configInNode(options);
  return runAgent({
    host,
    file: configPath(options),
    ...(inNode ? {inNode} : {}),
    patches: options.patches,
    mode: options.mode,
    intervalMs: options.intervalMs,
    ...(options.metrics !== undefined ? {metrics: options.metrics} : {}),
    socketGroup: options.socketGroup,
    lockTimeoutMs: options.lockTimeout,
    log: jsonLog(),
    facts: () => collectFacts(options, host),
  });
}

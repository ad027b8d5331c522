/**
 * The guest agent's wire protocol: one JSON object per line on the virtio-serial port `cosi.agent`.
 * The host sends {@link AgentRequest}s; the guest answers each with an {@link AgentResponse} carrying the same id,
 * and announces itself with an {@link AgentHello} every time the agent starts (so after every boot).
 */

/** agentPortName is the virtio-serial port name; the guest sees it as `/dev/virtio-ports/cosi.agent`. */
export const agentPortName = 'cosi.agent';

/** AgentRequest asks the guest to run argv directly (no shell unless argv is `sh -c ...`). */
export type AgentRequest = {
  id: number;
  argv: string[];
  /** Written to the command's standard input, then closed. Without it stdin is empty. */
  stdin?: string;
  /** The guest kills the command (SIGKILL) after this long and answers with exitCode 124-style `timedOut`. */
  timeoutMs?: number;
  /** Extra environment variables on top of the agent's own. */
  env?: Record<string, string>;
  cwd?: string;
};

/** AgentResponse is the outcome of one request: exit code (null when killed by a signal) and full output. */
export type AgentResponse = {
  id: number;
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Set when the command could not be started at all (e.g. ENOENT). */
  error?: string;
};

/** AgentHello is sent by the agent when it opens the port: the boot it belongs to tells reboots apart. */
export type AgentHello = {
  hello: true;
  bootId: string;
  kernel: string;
};

/** AgentMessage is anything the guest sends. */
export type AgentMessage = AgentHello | AgentResponse;

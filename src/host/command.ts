/** CommandRequest is one command to run on the node: an argument vector, never a shell line. */
export interface CommandRequest {
  readonly argv: readonly string[];
  readonly input?: string;
  /** Extra environment; the node gets `LC_ALL=C` and a standard PATH in any case. */
  readonly env?: Readonly<Record<string, string>>;
  /** Milliseconds before the command is killed. Default 10 minutes. */
  readonly timeoutMs?: number;
}

/** CommandResult is what a finished command left: its exit code (or the signal that ended it) and output. */
export interface CommandResult {
  readonly exitCode: number;
  readonly signal?: string;
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderr: string;
  /** False when the program could not be started at all (missing binary). */
  readonly started: boolean;
}

/** CommandRunner runs commands on the node. The real one chroots into the root; tests substitute their own. */
export type CommandRunner = (request: CommandRequest) => Promise<CommandResult>;

/** describeFailure renders a failed command for a diagnostic: the command line, exit status and stderr tail. */
export function describeFailure(request: CommandRequest, result: CommandResult): string {
  const status = !result.started
    ? 'could not be started'
    : result.timedOut
      ? 'timed out'
      : result.signal
        ? `was killed by ${result.signal}`
        : `exited with code ${result.exitCode}`;
  const tail = (result.stderr || result.stdout).trim().split('\n').slice(-8).join('\n');
  return `\`${request.argv.join(' ')}\` ${status}${tail ? `:\n${tail}` : ''}`;
}

/** withEnv is `request` with `env` added to its environment (undefined: the request as it is). */
export function withEnv(request: CommandRequest, env: Readonly<Record<string, string>> | undefined): CommandRequest {
  return env ? {...request, env: {...request.env, ...env}} : request;
}

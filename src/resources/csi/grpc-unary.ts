import {loadGrpc} from './grpc-module.js';

/** UnaryOutcome is how one unary gRPC call ended: the response bytes, or why there is none. */
export type UnaryOutcome =
  | {readonly ok: true; readonly bytes: Buffer}
  | {readonly ok: false; readonly failure: 'timeout' | 'unavailable' | 'error'; readonly message: string};

/** UnaryCall names one call: the socket (a path on this machine), the method path, the request, the deadline. */
export interface UnaryCall {
  readonly socket: string;
  readonly method: string;
  readonly request: Buffer;
  readonly timeoutMs: number;
}

/**
 * callUnary makes unary gRPC calls over one unix socket with grpc-js's generic client, serializing nothing itself:
 * the caller passes encoded request bytes and gets the response bytes. Each call has a hard deadline, so a socket
 * that accepts and never answers costs at most `timeoutMs`. Never throws; the channel is closed at the end.
 * grpc-js is loaded on first use (see loadGrpc).
 */
export async function callUnary(calls: readonly Omit<UnaryCall, 'socket'>[], socket: string): Promise<UnaryOutcome[]> {
  const grpc = loadGrpc();
  const client = new grpc.Client(`unix:${socket}`, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': 1 << 20,
  });
  const identity = (bytes: Buffer) => bytes;
  const outcomes: UnaryOutcome[] = [];
  try {
    for (const call of calls) {
      outcomes.push(
        await new Promise<UnaryOutcome>((resolve) => {
          const deadline = new Date(Date.now() + call.timeoutMs);
          client.makeUnaryRequest(
            call.method,
            identity,
            identity,
            call.request,
            new grpc.Metadata(),
            {deadline},
            (error, response) => {
              if (!error) return resolve({ok: true, bytes: response ?? Buffer.alloc(0)});
              const failure =
                error.code === grpc.status.DEADLINE_EXCEEDED
                  ? 'timeout'
                  : error.code === grpc.status.UNAVAILABLE
                    ? 'unavailable'
                    : 'error';
              resolve({ok: false, failure, message: error.details || error.message});
            },
          );
        }),
      );
      if (!outcomes.at(-1)!.ok) break;
    }
  } finally {
    client.close();
  }
  return outcomes;
}

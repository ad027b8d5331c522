import type * as GrpcJs from '@grpc/grpc-js';
import type {Host} from '../host/host.js';
import {removeStaleSocket, restrictSocket, unlinkSocket} from '../host/socket-file.js';
import type {StateBackend} from './state-backend.js';
import {stateHandlers, type Access} from './state-service.js';
import type {Wire} from './state-wire.js';

/** socketDir is where the agent's sockets live on the node (SPEC §7), next to the apply lock. */
export const socketDir = '/run/cosi';

/** SocketSpec is one socket the agent serves: its name in socketDir, what it allows, its mode and group. */
export interface SocketSpec {
  readonly name: 'cosi.sock' | 'cosi-admin.sock';
  readonly access: Access;
  readonly mode: number;
  readonly gid: number;
}

/** ServingSockets are the agent's bound sockets; close stops serving and removes them. */
export interface ServingSockets {
  readonly paths: readonly string[];
  close(): Promise<void>;
}

/**
 * serveSockets binds one gRPC server per socket under `<root>/run/cosi` (resolved inside the root and held open
 * while bound), then gives each its mode and group: until then the socket has the mode the umask (022) gives, which
 * lets nobody but root connect. A socket a killed agent left is removed first.
 */
export async function serveSockets(request: {
  host: Host;
  wire: Wire;
  backend: StateBackend;
  sockets: readonly SocketSpec[];
}): Promise<ServingSockets> {
  const {host, wire, backend, sockets} = request;
  const held = await host.holdDir(socketDir, 0o755);
  const servers: GrpcJs.Server[] = [];
  const paths: string[] = [];
  try {
    for (const socket of sockets) {
      const path = `${held.path}/${socket.name}`;
      await removeStaleSocket(path);
      const server = new wire.grpc.Server({'grpc.max_receive_message_length': 4 << 20});
      server.addService(wire.service, stateHandlers(wire, backend, socket.access));
      await new Promise<void>((resolve, reject) =>
        server.bindAsync(`unix:${path}`, wire.grpc.ServerCredentials.createInsecure(), (error) =>
          error ? reject(error) : resolve(),
        ),
      );
      servers.push(server);
      paths.push(path);
      await restrictSocket(path, socket.mode, socket.gid);
    }
  } catch (cause) {
    for (const server of servers) server.forceShutdown();
    held.close();
    throw cause;
  }
  return {
    paths: sockets.map((s) => host.hostPath(`${socketDir}/${s.name}`)),
    async close() {
      // Watches never end by themselves: open calls are cancelled.
      for (const server of servers) server.forceShutdown();
      for (const path of paths) await unlinkSocket(path);
      held.close();
    },
  };
}

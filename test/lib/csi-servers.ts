// Fake CSI endpoints for tests: a node plugin's Identity service and a kubelet plugin-registration socket, served by
// grpc-js on unix sockets with the wire messages cosi encodes itself.
import * as grpc from '@grpc/grpc-js';
import {encodePluginInfo, encodeProbe, encodeRegistrationInfo} from '../../src/resources/csi/messages.js';

const raw = (b: Buffer) => b;
const unary = (path: string, reply: () => Buffer | Promise<Buffer>) => ({
  path,
  requestStream: false,
  responseStream: false,
  requestSerialize: raw,
  requestDeserialize: raw,
  responseSerialize: raw,
  responseDeserialize: raw,
  handler: reply,
});

async function bind(server: grpc.Server, socket: string): Promise<grpc.Server> {
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix:${socket}`, grpc.ServerCredentials.createInsecure(), (e) => (e ? reject(e) : resolve())),
  );
  return server;
}

/** identityServer serves CSI Identity (GetPluginInfo, Probe) on a unix socket, as a node plugin does. */
export async function identityServer(socket: string, name: string, ready: boolean | undefined): Promise<grpc.Server> {
  const server = new grpc.Server();
  const info = unary('/csi.v1.Identity/GetPluginInfo', () => encodePluginInfo({name, vendorVersion: 'v4.9.0'}));
  const probe = unary('/csi.v1.Identity/Probe', () => encodeProbe(ready));
  server.addService({GetPluginInfo: info, Probe: probe} as unknown as grpc.ServiceDefinition, {
    GetPluginInfo: (_call: unknown, done: (e: null, r: Buffer) => void) =>
      done(null, encodePluginInfo({name, vendorVersion: 'v4.9.0'})),
    Probe: (_call: unknown, done: (e: null, r: Buffer) => void) => done(null, encodeProbe(ready)),
  });
  return bind(server, socket);
}

/** registrationServer serves the kubelet's plugin-registration GetInfo for one CSI driver. */
export async function registrationServer(socket: string, name: string, pluginEndpoint: string): Promise<grpc.Server> {
  const server = new grpc.Server();
  server.addService(
    {
      GetInfo: unary('/pluginregistration.Registration/GetInfo', () => Buffer.alloc(0)),
    } as unknown as grpc.ServiceDefinition,
    {
      GetInfo: (_call: unknown, done: (e: null, r: Buffer) => void) =>
        done(
          null,
          encodeRegistrationInfo({type: 'CSIPlugin', name, endpoint: pluginEndpoint, supportedVersions: ['1.0.0']}),
        ),
    },
  );
  return bind(server, socket);
}

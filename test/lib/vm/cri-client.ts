// A minimal client of the Kubernetes Container Runtime Interface (CRI, `runtime.v1.RuntimeService`), as the kubelet
// talks to a runtime: the request messages are encoded here after the CRI API's wire contract
// (k8s.io/cri-api pkg/apis/runtime/v1/api.proto: field numbers of RunPodSandboxRequest, PodSandboxConfig,
// PodSandboxMetadata, LinuxPodSandboxConfig, CreateContainerRequest, ContainerConfig, ContainerMetadata, ImageSpec,
// StartContainerRequest, VersionRequest/Response) with cosi's own protobuf wire codec, and each call is made in the
// guest by a small script over the runtime's real socket with grpc-js (cosi's own unary caller, from the cosi layer).
import {decodeFields, encodeMessage, encodeString, stringField} from '../../../src/resources/csi/protobuf-wire.js';
import type {Vm} from './vm.js';

const callerPath = '/root/cri-call.mjs';
/** The guest's caller: one unary call, the request (base64) on stdin, the response (base64) on stdout. */
const callerScript = `import {callUnary} from '/opt/cosi/dist/src/resources/csi/grpc-unary.js';
const [socket, method, timeout] = process.argv.slice(2);
let input = '';
for await (const chunk of process.stdin) input += chunk;
const [outcome] = await callUnary([{method, request: Buffer.from(input, 'base64'), timeoutMs: Number(timeout)}], socket);
if (!outcome.ok) {
  process.stderr.write(outcome.failure + ': ' + outcome.message + '\\n');
  process.exit(1);
}
process.stdout.write(outcome.bytes.toString('base64'));
`;

/** PodSandbox is the part of a PodSandboxConfig the tests set. */
export interface PodSandbox {
  readonly name: string;
  /** The pod's uid; the kubelet's systemd cgroup driver names the pod's slice after it. */
  readonly uid: string;
  readonly namespace: string;
  readonly logDirectory: string;
  /** LinuxPodSandboxConfig.cgroup_parent: with SystemdCgroup, a systemd slice (`kubepods-besteffort-podUID.slice`). */
  readonly cgroupParent: string;
}

/** podSandboxConfig encodes a PodSandboxConfig (metadata = 1, hostname = 2, log_directory = 3, linux = 8). */
export function podSandboxConfig(pod: PodSandbox): Buffer {
  const metadata = Buffer.concat([encodeString(1, pod.name), encodeString(2, pod.uid), encodeString(3, pod.namespace)]);
  return Buffer.concat([
    encodeMessage(1, metadata),
    encodeString(2, pod.name),
    encodeString(3, pod.logDirectory),
    encodeMessage(8, encodeString(1, pod.cgroupParent)),
  ]);
}

/** ContainerSpec is the part of a ContainerConfig the tests set. */
export interface ContainerSpec {
  readonly name: string;
  readonly image: string;
  readonly command: readonly string[];
  /** Relative to the sandbox's log directory. */
  readonly logPath: string;
}

/** CriClient makes CRI calls over a runtime's socket in the guest. */
export class CriClient {
  private constructor(
    private readonly vm: Vm,
    private readonly socket: string,
  ) {}

  /** open writes the caller script into the guest once. */
  static async open(vm: Vm, socket: string): Promise<CriClient> {
    await vm.writeFile(callerPath, callerScript);
    return new CriClient(vm, socket);
  }

  /** call makes one RuntimeService call and returns the decoded response fields; throws with the gRPC status text. */
  async call(method: string, request: Buffer): Promise<ReturnType<typeof decodeFields>> {
    const r = await this.vm.run(['node', callerPath, this.socket, `/runtime.v1.RuntimeService/${method}`, '240000'], {
      stdin: request.toString('base64'),
      timeoutMs: 300_000,
    });
    if (r.exitCode !== 0) throw new Error(`CRI ${method} failed: ${r.stderr.trim()}`);
    return decodeFields(Buffer.from(r.stdout, 'base64'));
  }

  /** version: VersionResponse's runtime_name (2), runtime_version (3) and runtime_api_version (4). */
  async version(): Promise<{name: string; version: string; apiVersion: string}> {
    const f = await this.call('Version', encodeString(1, 'v1'));
    return {name: stringField(f, 2) ?? '', version: stringField(f, 3) ?? '', apiVersion: stringField(f, 4) ?? ''};
  }

  /** runPodSandbox: RunPodSandboxRequest{config = 1}; returns pod_sandbox_id (1). */
  async runPodSandbox(pod: PodSandbox): Promise<string> {
    const f = await this.call('RunPodSandbox', encodeMessage(1, podSandboxConfig(pod)));
    return required(stringField(f, 1), 'RunPodSandbox: no pod_sandbox_id');
  }

  /**
   * createContainer: CreateContainerRequest{pod_sandbox_id = 1, config = 2, sandbox_config = 3}, ContainerConfig
   * {metadata = 1, image = 2 (ImageSpec.image = 1), command = 3, log_path = 11}; returns container_id (1).
   */
  async createContainer(sandboxId: string, pod: PodSandbox, container: ContainerSpec): Promise<string> {
    const config = Buffer.concat([
      encodeMessage(1, encodeString(1, container.name)),
      encodeMessage(2, encodeString(1, container.image)),
      ...container.command.map((arg) => encodeString(3, arg)),
      encodeString(11, container.logPath),
    ]);
    const request = Buffer.concat([
      encodeString(1, sandboxId),
      encodeMessage(2, config),
      encodeMessage(3, podSandboxConfig(pod)),
    ]);
    return required(stringField(await this.call('CreateContainer', request), 1), 'CreateContainer: no container_id');
  }

  /** startContainer: StartContainerRequest{container_id = 1}. */
  async startContainer(containerId: string): Promise<void> {
    await this.call('StartContainer', encodeString(1, containerId));
  }
}

function required(value: string | undefined, message: string): string {
  if (!value) throw new Error(message);
  return value;
}

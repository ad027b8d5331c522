// How a container runtime on a node would run a DaemonSet's pod, as a podman command line: the one source of truth
// is the rendered DaemonSet (deploy/kubernetes/), and this file translates what the kubelet does with it — the
// container's security context, host namespaces, hostPath and ConfigMap volumes with their mount options,
// resource limits, grace period — into podman's flags. What the kubelet makes of a ConfigMap (a directory of its own)
// is the caller's: `configMaps` maps each ConfigMap name to the node directory that stands in for its volume.
import type {K8sObject} from './manifests.js';

/** PodmanRun is a container's podman command line, split where the caller adds its own flags and arguments. */
export interface PodmanRun {
  /** `podman run` and the flags, up to but not including the image. */
  readonly flags: string[];
  readonly image: string;
  /** The container's command line after the image (its args; its command as --entrypoint when set). */
  readonly args: string[];
  /** hostPath directories the kubelet would create (type DirectoryOrCreate). */
  readonly createDirs: string[];
}

const propagation: Record<string, string> = {HostToContainer: 'rslave', Bidirectional: 'rshared', None: 'rprivate'};

/** podmanRun is the podman command line for one container of a DaemonSet's pod template. */
export function podmanRun(ds: K8sObject, container: string, configMaps: Record<string, string>): PodmanRun {
  const pod = ds.spec.template.spec;
  const c = (pod.containers as K8sObject[]).find((x) => x.name === container);
  if (!c) throw new Error(`no container ${container} in ${ds.metadata.name}`);
  const flags = ['podman', 'run', ...podFlags(pod, c)];
  const createDirs: string[] = [];
  for (const m of (c.volumeMounts ?? []) as K8sObject[]) flags.push('-v', mountSpec(pod, m, configMaps, createDirs));
  for (const e of (c.env ?? []) as K8sObject[]) if (e.value !== undefined) flags.push('-e', `${e.name}=${e.value}`);
  const command = (c.command ?? []) as string[];
  if (command.length > 0) flags.push(`--entrypoint=${command[0]}`);
  return {flags, image: c.image, args: [...command.slice(1), ...((c.args ?? []) as string[])], createDirs};
}

/** podFlags are the security context, host namespaces, grace period and limits as podman flags. */
function podFlags(pod: K8sObject, c: K8sObject): string[] {
  const flags: string[] = [];
  if (c.securityContext?.privileged) flags.push('--privileged');
  if (c.securityContext?.runAsUser !== undefined) flags.push(`--user=${c.securityContext.runAsUser}`);
  if (pod.hostPID) flags.push('--pid=host');
  if (pod.hostNetwork) flags.push('--network=host');
  if (pod.terminationGracePeriodSeconds !== undefined)
    flags.push(`--stop-timeout=${pod.terminationGracePeriodSeconds}`);
  const limits = c.resources?.limits ?? {};
  if (limits.memory) flags.push(`--memory=${String(limits.memory).replace(/i$/, '').toLowerCase()}`);
  if (limits.cpu) flags.push(`--cpus=${cpus(String(limits.cpu))}`);
  return flags;
}

/** mountSpec is one volume mount as podman's -v SOURCE:TARGET:OPTIONS. */
function mountSpec(pod: K8sObject, m: K8sObject, configMaps: Record<string, string>, createDirs: string[]): string {
  const volume = (pod.volumes as K8sObject[]).find((v) => v.name === m.name);
  if (!volume) throw new Error(`volume ${m.name} is not in the pod`);
  let source: string;
  if (volume.hostPath) {
    source = volume.hostPath.path;
    if (volume.hostPath.type === 'DirectoryOrCreate') createDirs.push(source);
  } else if (volume.configMap) {
    const dir = configMaps[volume.configMap.name];
    if (!dir) throw new Error(`no directory stands in for ConfigMap ${volume.configMap.name}`);
    source = dir;
  } else throw new Error(`volume ${m.name}: only hostPath and configMap volumes are modelled here`);
  // ConfigMap volumes are always read-only in the container (the kubelet's rule since 1.9.4).
  const options = [m.readOnly || volume.configMap ? 'ro' : 'rw', propagation[m.mountPropagation ?? 'None']!];
  return `${source}:${m.mountPath}:${options.join(',')}`;
}

/** cpus reads a CPU quantity ("1", "500m") as podman's --cpus. */
function cpus(quantity: string): string {
  return quantity.endsWith('m') ? String(Number(quantity.slice(0, -1)) / 1000) : quantity;
}

/** withFlag returns a container's args with one flag's value replaced. */
export function withFlag(args: readonly string[], flag: string, value: string): string[] {
  const i = args.indexOf(flag);
  if (i === -1 || i + 1 >= args.length) throw new Error(`${flag} is not in ${args.join(' ')}`);
  return [...args.slice(0, i + 1), value, ...args.slice(i + 2)];
}

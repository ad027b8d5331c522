import {dirname} from 'node:path';
import type {DesiredState} from '../config/desired-state.js';
import {loadDocument} from '../resources/document.js';
import type {InNode} from '../config/read-input.js';
import {formatDiagnostic} from '../diag/format.js';
import type {StopSignal} from '../engine/apply-changes.js';
import {writeFileAtomic} from '../host/atomic-write.js';
import type {Host} from '../host/host.js';
import {watchDirectory} from '../host/watch-directory.js';
import {AgentMetrics} from './agent-metrics.js';
import type {Log} from './json-log.js';
import {metaResources} from './meta-resources.js';
import {serveMetrics} from './metrics-server.js';
import {nodeConfig, sysctlStatus} from './node-resources.js';
import {Reconciler, type AgentMode} from './reconciler.js';
import {ResourceStore} from './resource-store.js';
import {serveSockets} from './socket-servers.js';
import {socketGroupId} from './socket-group.js';
import type {ConfigUpdate, StateBackend} from './state-backend.js';
import {loadWire} from './state-wire.js';
import {parseSysctlKey} from '../names/sysctl-key.js';
import {loadState} from '../engine/state.js';
import {sysctlProvider} from '../resources/sysctl/provider.js';

/** AgentConfig is `cosi agent`'s command line, parsed. */
export interface AgentConfig {
  readonly host: Host;
  readonly file: string;
  readonly inNode?: InNode;
  readonly patches: readonly string[];
  readonly mode: AgentMode;
  readonly intervalMs: number;
  readonly metrics?: string;
  readonly socketGroup: string;
  readonly lockTimeoutMs: number;
  readonly log: Log;
  readonly facts: () => Promise<Record<string, unknown>>;
  /** How often the listed sysctls' live values are read again (a change behind cosi's back shows within it). */
  readonly sysctlPollMs?: number;
}

/** maxBackoffMs caps the wait after failed reconciles (1 s, 2 s, 4 s, ... up to this, or the interval if shorter). */
const maxBackoffMs = 5 * 60_000;

/**
 * runAgent runs `cosi agent` until SIGTERM or SIGINT: serves the State API on the read and admin sockets, reconciles
 * at start, when the document's directory changes (debounced), on every interval (sooner with backoff after a
 * failure), and after an Update; serves /metrics and /healthz. On a signal it stops between two changes, releases
 * the lock, removes its sockets and resolves with 0.
 */
export async function runAgent(config: AgentConfig): Promise<number> {
  const {host, log} = config;
  const wire = loadWire();
  const store = new ResourceStore();
  const metrics = new AgentMetrics();
  const stop: StopSignal = {};
  const meta = metaResources(wire.encode);
  store.replaceKind('meta', 'Namespaces.meta.cosi.dev', meta.namespaces);
  store.replaceKind('meta', 'ResourceDefinitions.meta.cosi.dev', meta.definitions);
  const reconciler = new Reconciler({
    host,
    file: config.file,
    ...(config.inNode ? {inNode: config.inNode} : {}),
    patches: config.patches,
    mode: config.mode,
    store,
    metrics,
    log,
    stop,
    lockTimeoutMs: config.lockTimeoutMs,
    facts: config.facts,
  });
  const backend: StateBackend = {
    store,
    readSysctl: (id) => readSysctl(host, store, id),
    updateConfig: (text, version) => updateConfig({config, store, reconciler, text, version}),
  };
  const gid = await socketGroupId(host, config.socketGroup);
  if (gid === undefined)
    log('warning', `no group ${JSON.stringify(config.socketGroup)} on the node: the read socket is root's alone`);
  const sockets = await serveSockets({
    host,
    wire,
    backend,
    sockets: [
      {name: 'cosi.sock', access: 'read', mode: 0o660, gid: gid ?? 0},
      {name: 'cosi-admin.sock', access: 'admin', mode: 0o600, gid: 0},
    ],
  });
  const http = config.metrics
    ? await serveMetrics({
        address: config.metrics,
        render: () => metrics.render(),
        healthy: () => reconciler.failures < 5,
      })
    : undefined;
  log('info', 'agent started', {
    sockets: sockets.paths,
    mode: config.mode,
    intervalMs: config.intervalMs,
    metrics: config.metrics ?? null,
  });

  let timer: NodeJS.Timeout | undefined;
  let stopped!: () => void;
  const done = new Promise<void>((resolve) => (stopped = resolve));
  const schedule = () => {
    clearTimeout(timer);
    if (stop.requested) return;
    const backoff = reconciler.failures > 0 ? Math.min(1000 * 2 ** (reconciler.failures - 1), maxBackoffMs) : Infinity;
    timer = setTimeout(
      () => void reconciler.request(reconciler.failures > 0 ? 'retry' : 'interval').then(schedule),
      Math.min(config.intervalMs, backoff),
    );
  };
  let debounce: NodeJS.Timeout | undefined;
  const unwatch = watchDirectory(
    dirname(config.inNode ? host.hostPath(config.inNode.nodePath) : config.file),
    () => {
      clearTimeout(debounce);
      debounce = setTimeout(() => void reconciler.request('document').then(schedule), 300);
    },
    (message) => log('warning', `cannot watch the document's directory; only the interval reconciles: ${message}`),
  );
  const poll = setInterval(
    () =>
      void reconciler
        .refreshSysctls()
        .catch((cause: Error) => log('warning', `sysctl refresh failed: ${cause.message}`)),
    config.sysctlPollMs ?? 1000,
  );
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.requested) return;
    stop.requested = signal;
    log('info', `${signal}: stopping after the change in progress`);
    stopped();
  };
  process.on('SIGTERM', onSignal).on('SIGINT', onSignal);
  void reconciler.request('start').then(schedule);
  await done;
  clearTimeout(timer);
  clearTimeout(debounce);
  clearInterval(poll);
  unwatch();
  await reconciler.idle();
  await sockets.close();
  await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
  http?.closeAllConnections();
  process.off('SIGTERM', onSignal).off('SIGINT', onSignal);
  log('info', 'agent stopped', {signal: stop.requested});
  return 0;
}

/** readSysctl reads a kernel parameter nobody declared, for Get (any key the kernel has). */
async function readSysctl(host: Host, store: ResourceStore, id: string) {
  // The id reaches a path: only a key's characters, in a form parseSysctlKey accepts.
  if (id.length > 256 || !/^[A-Za-z0-9_.:@/-]+$/.test(id) || id.startsWith('-')) return undefined;
  const key = parseSysctlKey(id);
  if (!key) return undefined;
  const state = await loadState(host);
  const observed = await sysctlProvider.probe({
    host,
    // The sysctl probe reads only the keys of the desired state.
    desired: {sysctls: new Map([[key.name, {key, value: '', path: []}]])} as Pick<
      DesiredState,
      'sysctls'
    > as DesiredState,
    state,
  });
  const live = observed.live[key.name];
  if (!live || live.state === 'missing') return undefined;
  return store.observed(sysctlStatus({name: key.name, live, observed, state}));
}

/** updateConfig is the Update of config/NodeConfigs.cosi.dev/current (SPEC §7). */
async function updateConfig(request: {
  config: AgentConfig;
  store: ResourceStore;
  reconciler: Reconciler;
  text: string;
  version: string;
}): Promise<ConfigUpdate> {
  const {config, store, reconciler, text, version} = request;
  const current = store.get('config', 'NodeConfigs.cosi.dev', 'current');
  if (current && String(current.version) !== version)
    return {
      ok: false,
      reason: 'conflict',
      message: `version conflict: the document is at version ${current.version}, the update was made against ${JSON.stringify(version)}`,
    };
  const {document, diagnostics} = await loadDocument({file: config.file, text, patches: config.patches});
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (!document || errors.length > 0)
    return {
      ok: false,
      reason: 'invalid',
      message: errors.map((d) => formatDiagnostic(d)).join('\n'),
      diagnostics: errors,
    };
  try {
    if (config.inNode) {
      await config.host.ensureDir(dirname(config.inNode.nodePath), 0o755);
      await config.host.writeAtomic(config.inNode.nodePath, text, {mode: 0o644});
    } else await writeFileAtomic(config.file, text, {mode: 0o644});
  } catch (cause) {
    return {
      ok: false,
      reason: 'unwritable',
      message: `cannot store the document at ${config.file}: ${(cause as Error).message}`,
    };
  }
  store.replaceKind('config', 'NodeConfigs.cosi.dev', [nodeConfig(text, config.file)]);
  config.log('info', 'document updated through the admin socket', {file: config.file});
  void reconciler.request('update');
  return {ok: true, resource: store.get('config', 'NodeConfigs.cosi.dev', 'current')!};
}

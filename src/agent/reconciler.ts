import {driftDifferences} from '../cli/render/drift-metrics.js';
import type {LoadedDocument} from '../config/load-document.js';
import {loadDocument} from '../resources/document.js';
import {readInput, type InNode} from '../config/read-input.js';
import {hasErrors} from '../diag/diagnostic.js';
import {formatDiagnostic} from '../diag/format.js';
import type {StopSignal} from '../engine/apply-changes.js';
import {markRebootRequired} from '../engine/reboot-required.js';
import type {CosiState} from '../engine/state.js';
import type {Host} from '../host/host.js';
import type {Change} from '../plan/change.js';
import {parseSysctlKey} from '../names/sysctl-key.js';
import {readLive, type SysctlObserved} from '../resources/sysctl/probe.js';
import {sysctlProvider} from '../resources/sysctl/provider.js';
import type {AgentMetrics, ApplyOutcomeName} from './agent-metrics.js';
import {applyDocument, observedBy, planNode, type NodePlan} from './engine-adapter.js';
import type {Log} from './json-log.js';
import {kindStatuses, nodeConfig, nodeFacts, planChanges, sysctlStatuses} from './node-resources.js';
import {holdForReboot} from './reboot-hold.js';
import type {ResourceStore} from './resource-store.js';
import {typeDefinitions} from './resource-types.js';

/**
 * Trigger is why a reconcile runs. `observed`: a listed sysctl changed behind cosi's back; the run probes, plans and
 * publishes (the plan namespace, the drift metrics) without applying, which waits for the interval.
 */
export type Trigger = 'start' | 'interval' | 'document' | 'update' | 'retry' | 'observed';

/** AgentMode is `--mode`: apply what owes no reboot, or only report. */
export type AgentMode = 'apply' | 'plan';

/** ReconcilerOptions is what the reconciler works with. */
export interface ReconcilerOptions {
  readonly host: Host;
  /** The document's name, and how to read it when it is the node's default document. */
  readonly file: string;
  readonly inNode?: InNode;
  readonly patches: readonly string[];
  readonly mode: AgentMode;
  readonly store: ResourceStore;
  readonly metrics: AgentMetrics;
  readonly log: Log;
  readonly stop: StopSignal;
  readonly lockTimeoutMs: number;
  /** What `cosi facts --json` prints (the NodeFacts resource). */
  readonly facts: () => Promise<Record<string, unknown>>;
}

/** ReconcileError is a reconcile that could not finish (an invalid document, a failed probe or apply). */
class ReconcileError extends Error {}

/**
 * Reconciler makes the node match the document, one run at a time: read and validate the document, probe and plan,
 * publish what it found (the node, plan and config namespaces), then with `--mode apply` carry out every change that
 * owes no reboot (writing the reboot-required file for those that do) and publish again. A request while a run is
 * going on is queued once. `failures` counts consecutive failed runs, for the caller's backoff.
 */
export class Reconciler {
  failures = 0;
  #running: Promise<void> | undefined;
  #queued: {trigger: Trigger; promise: Promise<void>} | undefined;
  /** The last reconcile's sysctl probe, which refreshes of the live values start from. */
  #sysctls: {readonly observed: SysctlObserved; readonly state: CosiState} | undefined;
  #refreshing = false;

  constructor(readonly options: ReconcilerOptions) {}

  /** busy says whether a run is going on. */
  get busy(): boolean {
    return this.#running !== undefined;
  }

  /** request runs a reconcile now, or once after the one going on; resolves when that run has ended. */
  request(trigger: Trigger): Promise<void> {
    if (!this.#running) return this.#start(trigger);
    this.#queued ??= {trigger, promise: this.#running.then(() => this.#start(this.#queued!.trigger))};
    return this.#queued.promise;
  }

  /** idle resolves when no run is going on or queued. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  #start(trigger: Trigger): Promise<void> {
    this.#queued = undefined;
    const run = this.#run(trigger).finally(() => {
      if (this.#running === run) this.#running = undefined;
    });
    this.#running = run;
    return run;
  }

  async #run(trigger: Trigger): Promise<void> {
    const {metrics, log} = this.options;
    const started = performance.now();
    try {
      const document = await this.#load();
      let planned = await this.#publish(document, trigger);
      if (this.options.mode === 'apply' && trigger !== 'observed' && !this.options.stop.requested)
        planned = await this.#apply(document, planned);
      const errors = planned.plan.diagnostics.filter((d) => d.severity === 'error');
      if (errors.length > 0) throw new ReconcileError(errors.map((d) => formatDiagnostic(d)).join('\n'));
      this.failures = 0;
      metrics.reconciled({
        ok: true,
        seconds: (performance.now() - started) / 1000,
        ...this.#drift(planned),
        at: new Date(),
      });
      log('info', 'reconciled', {trigger, mode: this.options.mode, pending: planned.plan.changes.length});
    } catch (cause) {
      this.failures++;
      metrics.reconciled({ok: false, seconds: (performance.now() - started) / 1000, at: new Date()});
      log('error', 'reconcile failed', {trigger, error: (cause as Error).message, failures: this.failures});
      if (!(cause instanceof ReconcileError) && process.env['COSI_DEBUG']) log('error', String((cause as Error).stack));
    }
  }

  /**
   * refreshSysctls re-reads the live values of the sysctls the agent lists (they change behind cosi's back), one
   * read of /proc/sys a key; persisted and boot values are those of the last reconcile. When one changed, the plan is
   * made again and published (no apply). Returns whether one changed; skipped while a reconcile or a refresh runs.
   */
  async refreshSysctls(): Promise<boolean> {
    const last = this.#sysctls;
    if (!last || this.#running || this.#refreshing) return false;
    this.#refreshing = true;
    try {
      const keys = Object.keys(last.observed.live).flatMap((name) => parseSysctlKey(name) ?? []);
      const live = await readLive(this.options.host, keys);
      if (this.#running || this.#sysctls !== last) return false;
      const observed = {...last.observed, live};
      const events = this.options.store.replaceKind(
        'node',
        'SysctlStatuses.cosi.dev',
        sysctlStatuses(observed, last.state),
      );
      if (events.length === 0) return false;
      void this.request('observed');
      return true;
    } finally {
      this.#refreshing = false;
    }
  }

  async #load(): Promise<LoadedDocument> {
    const {file, inNode, patches, store} = this.options;
    const read = await readInput(file, inNode);
    if (read.diagnostic) throw new ReconcileError(formatDiagnostic(read.diagnostic));
    store.replaceKind('config', 'NodeConfigs.cosi.dev', [nodeConfig(read.text!, file)]);
    const {document, diagnostics} = await loadDocument({file, text: read.text!, patches});
    if (!document || hasErrors(diagnostics))
      throw new ReconcileError(diagnostics.map((d) => formatDiagnostic(d)).join('\n'));
    return document;
  }

  /** publish probes and plans, and puts what it found in the store. */
  async #publish(document: LoadedDocument, trigger: Trigger): Promise<NodePlan> {
    const {host, store} = this.options;
    const planned = await planNode(host, document);
    const {plan, state} = planned;
    for (const definition of typeDefinitions)
      if (definition.kind) store.replaceKind('node', definition.type, kindStatuses(definition, plan, state));
    // The plan's own probe of the sysctls; probed again only when it failed (the error is then the reconcile's).
    const sysctls =
      observedBy(planned, sysctlProvider) ?? (await sysctlProvider.probe({host, desired: document.desired, state}));
    store.replaceKind('node', 'SysctlStatuses.cosi.dev', sysctlStatuses(sysctls, state));
    this.#sysctls = {observed: sysctls, state};
    store.replaceKind('plan', 'Changes.cosi.dev', planChanges(plan));
    if (trigger === 'start' || trigger === 'interval' || !store.get('node', 'NodeFacts.cosi.dev', 'node'))
      store.replaceKind('node', 'NodeFacts.cosi.dev', [nodeFacts(await this.options.facts())]);
    return planned;
  }

  /**
   * apply carries out what owes no reboot, through the engine's apply (under the lock, planned afresh there), says
   * that a reboot is owed for the rest, and publishes again.
   */
  async #apply(document: LoadedDocument, planned: NodePlan): Promise<NodePlan> {
    const {host, log, metrics, stop} = this.options;
    const {apply} = holdForReboot(planned.plan.changes);
    if (apply.length === 0 && !planned.interrupted) {
      await this.#holdBack(planned.plan.changes);
      return planned;
    }
    const started = performance.now();
    const report = await applyDocument({
      host,
      document,
      stop,
      lockTimeoutMs: this.options.lockTimeoutMs,
      hold: (plan) => holdForReboot(plan.changes).held,
      progress: (event) => {
        if (event.type === 'leftover-removed') log('info', event.note);
        if (event.type === 'interrupted')
          log('info', 'resuming an interrupted apply', {during: event.interrupted.during});
      },
      listener: {
        onStart: (c) => log('info', 'apply_start', {address: c.address, action: c.action}),
        onComplete: (c, elapsedMs) => log('info', 'apply_complete', {address: c.address, action: c.action, elapsedMs}),
        onError: (c, error) => log('error', 'apply_errored', {address: c.address, action: c.action, error}),
      },
    });
    await this.#holdBack(report.held);
    if (report.outcome === 'plan-failed')
      throw new ReconcileError(report.plan.diagnostics.map((d) => formatDiagnostic(d)).join('\n'));
    const result = 'result' in report ? report.result : {applied: []};
    const outcome: ApplyOutcomeName =
      report.outcome === 'failed' ? 'failed' : report.outcome === 'stopped' ? 'stopped' : 'ok';
    metrics.applied(outcome, (performance.now() - started) / 1000, result.applied.length, new Date());
    log(outcome === 'failed' ? 'error' : 'info', 'apply finished', {
      result: outcome,
      applied: result.applied.length,
      total: report.plan.changes.length - report.held.length,
    });
    const after = await this.#publish(document, 'update');
    if (report.outcome === 'failed')
      throw new ReconcileError(
        `apply failed at ${report.result.failed.change.address}: ${report.result.failed.message}`,
      );
    return after;
  }

  /** holdBack says that the changes held back owe a reboot (the reboot-required file), and counts them. */
  async #holdBack(changes: readonly Change[]): Promise<void> {
    const {host, log, metrics} = this.options;
    const {held} = holdForReboot(changes);
    metrics.heldForReboot(held.length);
    if (held.length === 0) return;
    await markRebootRequired(host, held);
    log('warning', 'changes held back: they owe a reboot, which cosi never does itself', {
      changes: held.map((c) => c.address),
    });
  }

  #drift(planned: NodePlan) {
    return {plan: planned.plan, differences: driftDifferences(planned.plan, planned.state)};
  }
}

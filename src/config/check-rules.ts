import {error, type Diagnostic, type DocumentPath} from '../diag/diagnostic.js';
import {formatDocumentPath} from '../diag/document-path.js';
import {canonicalModuleName} from '../names/module-name.js';
import {parseSysctlKey} from '../names/sysctl-key.js';
import {runtimePackage} from './desired-state.js';
import type {CsiDriver, NodeConfig, Services, ServiceSpec, Spec} from './generated/types.js';

const at = (path: DocumentPath) => formatDocumentPath(path);

/**
 * DocumentCheck is one resource kind's part of the document rules (a provider's `check`): offline and pure, on a
 * schema-valid document; its diagnostics name document paths and get their positions from the loader.
 */
export type DocumentCheck = (config: NodeConfig) => readonly Diagnostic[];

/**
 * checkRules enforces the document rules the schema cannot express (SPEC §1): one identity declared once
 * (sysctl dot/slash forms, module `-`/`_` spellings), names that are safe on a command line or in a path, and
 * requirement merging — a conflict between the top-level sections and what the runtime or a CSI driver needs is
 * an error naming both places; then each kind's own rules (`checks`, the providers' `check`). Pure; runs on a
 * schema-valid document.
 */
export function checkRules(config: NodeConfig, checks: readonly DocumentCheck[]): Diagnostic[] {
  const spec = config.spec ?? {};
  const found: Diagnostic[] = [];
  found.push(...sysctlIdentities(spec));
  const {modules, diagnostics: twice} = moduleIdentities(spec);
  found.push(...twice);
  const {ledger, diagnostics: both} = packageLedger(spec);
  found.push(...both);
  if (spec.runtime) {
    found.push(
      ...requirePackage(ledger, runtimePackage(spec.runtime.engine), spec.runtime.version ?? '*', [
        'spec',
        'runtime',
        spec.runtime.version ? 'version' : 'engine',
      ]),
    );
  }
  const services = spec.services ?? {};
  for (const [driver, needs] of Object.entries(spec.csi?.drivers ?? {}))
    found.push(...csiDriverNeeds({driver, needs, ledger, modules, services}));
  found.push(...emptySysctlValues(spec));
  for (const check of checks) found.push(...check(config));
  return found;
}

/** DeclaredModule is where a module is first declared (by its canonical name) and the state it is declared in. */
type DeclaredModule = {path: DocumentPath; state: string};

/**
 * PackageLedger is what the document asks of packages so far: each package to install with its constraint and where
 * it was asked for, and each package to remove. Requirements merged in later update `install`.
 */
type PackageLedger = {
  install: Map<string, {constraint: string; path: DocumentPath}>;
  remove: Map<string, DocumentPath>;
};

/** sysctlIdentities reports sysctl keys that are not keys, and one key declared twice (dot and slash forms). */
function sysctlIdentities(spec: Spec): Diagnostic[] {
  const found: Diagnostic[] = [];
  const sysctls = new Map<string, DocumentPath>();
  for (const text of Object.keys(spec.sysctls ?? {})) {
    const path = ['spec', 'sysctls', text];
    const key = parseSysctlKey(text);
    if (!key) {
      found.push(error(`${JSON.stringify(text)} is not a sysctl key: a component is empty`, {path}));
      continue;
    }
    const first = sysctls.get(key.name);
    if (first)
      found.push(
        error(
          `sysctl ${key.name} is declared twice: here and at ${at(first)} (dot and slash forms name the same key)`,
          {path},
        ),
      );
    else sysctls.set(key.name, path);
  }
  return found;
}

/**
 * moduleIdentities gives each module's first declaration by its canonical name, and reports one module declared
 * twice (`-` and `_` spellings). The reserved name `initramfs` is the module provider's rule.
 */
function moduleIdentities(spec: Spec): {modules: Map<string, DeclaredModule>; diagnostics: Diagnostic[]} {
  const found: Diagnostic[] = [];
  const modules = new Map<string, DeclaredModule>();
  for (const [name, module] of Object.entries(spec.modules ?? {})) {
    const path = ['spec', 'modules', name];
    const canonical = canonicalModuleName(name);
    const first = modules.get(canonical);
    if (first)
      found.push(
        error(
          `module ${canonical} is declared twice: here and at ${at(first.path)} ('-' and '_' are the same in module names)`,
          {path, related: [{message: `module ${canonical} is first declared here`, path: first.path}]},
        ),
      );
    else modules.set(canonical, {path, state: module.state ?? 'loaded'});
  }
  return {modules, diagnostics: found};
}

/**
 * packageLedger reads `spec.packages`: the packages to install and to remove, and reports each package both installed
 * and removed.
 */
function packageLedger(spec: Spec): {ledger: PackageLedger; diagnostics: Diagnostic[]} {
  const found: Diagnostic[] = [];
  const install = new Map<string, {constraint: string; path: DocumentPath}>();
  for (const [name, constraint] of Object.entries(spec.packages?.install ?? {}))
    install.set(name, {constraint, path: ['spec', 'packages', 'install', name]});
  const remove = new Map<string, DocumentPath>();
  for (const [index, name] of (spec.packages?.remove ?? []).entries()) {
    const path = ['spec', 'packages', 'remove', index];
    const wanted = install.get(name);
    if (wanted)
      found.push(
        error(`package ${name} is both to be installed (${at(wanted.path)}) and removed`, {
          path,
          related: [{message: `package ${name} is to be installed here`, path: wanted.path}],
        }),
      );
    remove.set(name, path);
  }
  return {ledger: {install, remove}, diagnostics: found};
}

/**
 * requirePackage merges one package the runtime or a CSI driver needs into the ledger: an error when the document
 * removes it, an error when its constraint conflicts with an earlier one (`*` conflicts with none and gives way to a
 * real constraint).
 */
function requirePackage(ledger: PackageLedger, name: string, constraint: string, path: DocumentPath): Diagnostic[] {
  const found: Diagnostic[] = [];
  const removed = ledger.remove.get(name);
  if (removed)
    found.push(
      error(`package ${name} is needed here but ${at(removed)} removes it`, {
        path,
        related: [{message: `package ${name} is removed here`, path: removed}],
      }),
    );
  const first = ledger.install.get(name);
  if (!first) ledger.install.set(name, {constraint, path});
  else if (
    normalizeConstraint(first.constraint) !== normalizeConstraint(constraint) &&
    constraint !== '*' &&
    first.constraint !== '*'
  ) {
    found.push(
      error(
        `conflicting version constraints on package ${name}: ${JSON.stringify(constraint)} here, ${JSON.stringify(first.constraint)} at ${at(first.path)}`,
        {
          path,
          related: [
            {message: `package ${name} is constrained to ${JSON.stringify(first.constraint)} here`, path: first.path},
          ],
        },
      ),
    );
  } else if (first.constraint === '*' && constraint !== '*') ledger.install.set(name, {constraint, path});
  return found;
}

/**
 * csiDriverNeeds merges what one CSI driver needs with the rest of the document: its packages into the ledger, its
 * modules against blocked ones, its services against stopped or disabled ones.
 */
function csiDriverNeeds(request: {
  driver: string;
  needs: CsiDriver;
  ledger: PackageLedger;
  modules: ReadonlyMap<string, DeclaredModule>;
  services: Services;
}): Diagnostic[] {
  const {driver, needs, ledger, modules, services} = request;
  const found: Diagnostic[] = [];
  const base = ['spec', 'csi', 'drivers', driver];
  for (const [name, constraint] of Object.entries(needs.packages ?? {}))
    found.push(...requirePackage(ledger, name, constraint, [...base, 'packages', name]));
  for (const [index, name] of (needs.modules ?? []).entries()) {
    const declared = modules.get(canonicalModuleName(name));
    if (declared?.state === 'blocked') {
      found.push(
        error(`CSI driver ${driver} needs module ${name}, which ${at(declared.path)} blocks`, {
          path: [...base, 'modules', index],
          related: [{message: `module ${name} is blocked here`, path: declared.path}],
        }),
      );
    }
  }
  for (const [index, unit] of (needs.services ?? []).entries()) {
    const declared = services[unit];
    if (declared && (declared.state === 'stopped' || declared.enabled === false))
      found.push(serviceNotRunning(driver, unit, declared, [...base, 'services', index]));
  }
  return found;
}

/** serviceNotRunning is the error for a service a CSI driver needs running that the document stops or disables. */
function serviceNotRunning(driver: string, unit: string, declared: ServiceSpec, path: DocumentPath): Diagnostic {
  return error(
    `CSI driver ${driver} needs service ${unit} running, but ${at(['spec', 'services', unit])} says ${declared.state === 'stopped' ? 'state: stopped' : 'enabled: false'}`,
    {
      path,
      related: [
        {
          message: `service ${unit} is declared ${declared.state === 'stopped' ? 'stopped' : 'disabled'} here`,
          path: ['spec', 'services', unit],
        },
      ],
    },
  );
}

/** emptySysctlValues reports each sysctl declared with an empty (or blank) string value. */
function emptySysctlValues(spec: Spec): Diagnostic[] {
  const found: Diagnostic[] = [];
  for (const [text, value] of Object.entries(spec.sysctls ?? {})) {
    if (typeof value === 'string' && value.trim() === '')
      found.push(error(`sysctl ${text} has an empty value`, {path: ['spec', 'sysctls', text]}));
  }
  return found;
}

function normalizeConstraint(constraint: string): string {
  return constraint.replace(/^>=\s*/, '>= ').trim();
}

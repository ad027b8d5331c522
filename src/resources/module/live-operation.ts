import {assertNever} from '../../diag/cosi-error.js';
import {renderOption} from './modprobe-d.js';
import type {ModuleStatus} from './probe.js';

/** LiveOperation is what apply does to the running kernel for one module change. */
export type LiveOperation = 'none' | 'load' | 'unload' | 'reload';

/** ModuleOriginal is what cosi found before its first change to a module; removal restores `loaded`. */
export interface ModuleOriginal {
  readonly loaded: boolean;
  readonly parameters?: Readonly<Record<string, string | null>>;
}

/** ModuleChangeData is what apply needs to carry out a module change. */
export interface ModuleChangeData {
  /** Canonical name as declared (what `modprobe` is given). */
  readonly name: string;
  /** The kernel's name for it (what `rmmod` is given). */
  readonly realName: string;
  readonly live: LiveOperation;
  /** Parameters passed to modprobe on load and reload. */
  readonly loadParameters: Readonly<Record<string, string>>;
  /** Whether cosi's modules-load.d file lists the module. */
  readonly persistLoad: boolean;
  /** The module's lines in cosi's modprobe.d file (none: removed). */
  readonly probeLines: readonly string[];
  readonly original: ModuleOriginal;
}

/** loadCommand is the command that loads a module with its parameters. */
export function loadCommand(name: string, parameters: Readonly<Record<string, string>>): string[] {
  return [
    'modprobe',
    name,
    ...Object.keys(parameters)
      .sort()
      .map((p) => renderOption(p, parameters[p]!)),
  ];
}

/**
 * unloadCommand is the command that unloads one module. `rmmod`, not `modprobe -r`: the latter also unloads the
 * dependencies that become unused, which may be modules the document wants loaded.
 */
export function unloadCommand(realName: string): string[] {
  return ['rmmod', realName];
}

/** describeLive renders a live operation as a detail line for the plan (says which: load, reload, unload). Pure. */
export function describeLive(
  live: LiveOperation,
  name: string,
  realName: string,
  parameters: Readonly<Record<string, string>>,
  status: ModuleStatus,
): string[] {
  switch (live) {
    case 'none':
      return [];
    case 'load':
      return [`live: load (${loadCommand(name, parameters).join(' ')})`];
    case 'unload':
      return [`live: unload (${unloadCommand(realName).join(' ')}; refcount ${status.refcount ?? 0})`];
    case 'reload':
      return [
        `live: reload (${unloadCommand(realName).join(' ')}, then ${loadCommand(name, parameters).join(' ')}; unused: refcount ${status.refcount ?? 0})`,
      ];
    default:
      return assertNever(live, 'live operation');
  }
}

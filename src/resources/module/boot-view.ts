import {cmdlineFile, type ModuleCmdline} from './kernel-cmdline.js';
import {parseOptions, type ModprobeFile} from './modprobe-d.js';
import type {ModulesLoadFile} from './modules-load-d.js';

/** Place is a file and line that decides something at boot. */
export interface Place {
  readonly file: string;
  readonly line: number;
}

/** BootModule is what the boot-time configuration does with one module, and where each decision comes from. */
export interface BootModule {
  /** Files (modules-load.d, or the kernel command line) that load it at boot. */
  readonly loadedBy: readonly Place[];
  /** `blacklist` lines (and the command line's `modprobe.blacklist=` / `module_blacklist=`). */
  readonly blacklistedBy: readonly Place[];
  /** The install command kmod runs instead of loading it: the first `install` line wins. */
  readonly install?: Place & {readonly command: string};
  /** Each parameter's value at boot: options are concatenated in file order, then the command line; the last wins. */
  readonly parameters: Readonly<Record<string, Place & {readonly value: string}>>;
}

/**
 * bootModule computes what systemd-modules-load and kmod will do with a module at the next boot, from the files in
 * the order they read them (cosi's own files as they will be after apply) and the kernel command line. Pure.
 */
export function bootModule(request: {
  module: string;
  loadFiles: readonly ModulesLoadFile[];
  probeFiles: readonly ModprobeFile[];
  cmdline: ModuleCmdline;
}): BootModule {
  const {module, loadFiles, probeFiles, cmdline} = request;
  const loadedBy: Place[] = [];
  for (const file of loadFiles)
    for (const e of file.entries) if (e.module === module) loadedBy.push({file: file.path, line: e.line});
  if (cmdline.load.includes(module)) loadedBy.push({file: cmdlineFile, line: 1});
  const blacklistedBy: Place[] = [];
  let install: (Place & {command: string}) | undefined;
  const parameters: Record<string, Place & {value: string}> = {};
  for (const file of probeFiles) {
    for (const d of file.directives) {
      if (d.module !== module) continue;
      if (d.command === 'blacklist') blacklistedBy.push({file: file.path, line: d.line});
      else if (d.command === 'install') install ??= {file: file.path, line: d.line, command: d.args};
      else if (d.command === 'options')
        for (const [p, v] of parseOptions(d.args)) parameters[p] = {file: file.path, line: d.line, value: v};
    }
  }
  if (cmdline.blacklist.includes(module)) blacklistedBy.push({file: cmdlineFile, line: 1});
  for (const o of cmdline.options)
    if (o.module === module) parameters[o.parameter] = {file: cmdlineFile, line: 1, value: o.value};
  return {loadedBy, blacklistedBy, ...(install ? {install} : {}), parameters};
}

import {canonicalModuleName} from '../../names/module-name.js';

/** canonicalName folds `-` into `_` (the kernel treats them as one character in module names). */
export const canonicalName = canonicalModuleName;

/**
 * moduleNameFromPath returns the canonical module name of a module file path as modules.dep and modules.builtin
 * write it (`kernel/net/bridge/br_netfilter.ko.xz` -> `br_netfilter`), or undefined when it is not a `.ko` path.
 */
export function moduleNameFromPath(path: string): string | undefined {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const match = /^(.+)\.ko(?:\.(?:xz|gz|zst))?$/.exec(base);
  return match ? canonicalName(match[1]!) : undefined;
}

import type {DesiredModule, DesiredState} from '../../config/desired-state.js';
import {moduleKeyPrefixes} from '../sysctl/module-keys.js';
import {renderOption} from './modprobe-d.js';

/** sysctlCommand is systemd-sysctl, which re-applies the persisted sysctls of one prefix when called with --prefix. */
export const sysctlCommand = '/lib/systemd/systemd-sysctl';

/**
 * sysctlPrefixes returns the sysctl directories (`/net/bridge`) that a module provides and that the document sets
 * a key in, so that cosi's modprobe.d file can re-apply them whenever the module is loaded. A table prefix that
 * ends inside a component (`net.netfilter.nf_conntrack_`) widens to the whole directory (systemd-sysctl matches
 * whole components). Pure.
 */
export function sysctlPrefixes(module: string, sysctls: DesiredState['sysctls']): string[] {
  const out = new Set<string>();
  for (const key of sysctls.keys()) {
    // The first matching prefix decides, as it does for the sysctl's own dependency (`providingModule`).
    const entry = moduleKeyPrefixes.find((e) => key.startsWith(e.prefix));
    if (entry?.module !== module) continue;
    const parts = entry.prefix.split('.');
    const whole = entry.prefix.endsWith('.')
      ? parts.slice(0, -1)
      : /[_-]$/.test(entry.prefix)
        ? parts.slice(0, -1)
        : parts;
    out.add(`/${whole.join('/')}`);
  }
  return [...out].sort();
}

/**
 * expectedModprobeLines is what cosi's modprobe.d file must hold for one module:
 * - loaded: `options NAME p=v ...` (sorted) when it has parameters, and, when the document sets sysctls the module
 *   provides, an `install` line that loads it and then re-applies those sysctls, so that they hold whenever and by
 *   whomever the module is loaded (at boot after systemd-sysctl, by a runtime, by an alias);
 * - blocked: `blacklist NAME` (no alias loads it, systemd-modules-load skips it) and `install NAME /bin/false`
 *   (neither an explicit modprobe nor a dependency loads it).
 * Pure.
 */
export function expectedModprobeLines(want: DesiredModule, sysctls: DesiredState['sysctls']): string[] {
  const {name} = want;
  if (want.state === 'blocked') return [`blacklist ${name}`, `install ${name} /bin/false`];
  const lines: string[] = [];
  const params = Object.keys(want.parameters).sort();
  if (params.length > 0)
    lines.push(`options ${name} ${params.map((p) => renderOption(p, want.parameters[p]!)).join(' ')}`);
  const prefixes = sysctlPrefixes(name, sysctls);
  if (prefixes.length > 0) {
    const reapply = `${sysctlCommand} ${prefixes.map((p) => `--prefix=${p}`).join(' ')}`;
    lines.push(`install ${name} /sbin/modprobe --ignore-install ${name} $CMDLINE_OPTS && { ${reapply} || :; }`);
  }
  return lines;
}

/** sameLines tells whether two lists of lines are equal, line for line. Pure. */
export function sameLines(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((line, i) => line === b[i]);
}

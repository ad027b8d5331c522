import {canonicalName} from './module-name.js';

/** cmdlineFile is where the kernel command line is read; boot notes name it when it decides a module's fate. */
export const cmdlineFile = '/proc/cmdline';

/** ModuleCmdline is what the kernel command line says about modules. */
export interface ModuleCmdline {
  /** `modules-load=` / `modules_load=`: loaded by systemd-modules-load at boot. */
  readonly load: readonly string[];
  /** `modprobe.blacklist=` (kmod) and `module_blacklist=` (the kernel refuses them outright). */
  readonly blacklist: readonly string[];
  /** `module.param=value`: for built-in modules set by the kernel, for loadable ones added by modprobe. */
  readonly options: ReadonlyArray<{readonly module: string; readonly parameter: string; readonly value: string}>;
}

/**
 * parseModuleCmdline reads the module settings of a kernel command line: words separated by white space, values
 * may be double-quoted. Names are canonical. Pure.
 */
export function parseModuleCmdline(text: string): ModuleCmdline {
  const load: string[] = [];
  const blacklist: string[] = [];
  const options: Array<{module: string; parameter: string; value: string}> = [];
  for (const word of splitWords(text)) {
    const eq = word.indexOf('=');
    const key = eq === -1 ? word : word.slice(0, eq);
    const value = eq === -1 ? 'Y' : word.slice(eq + 1);
    const list = value
      .split(',')
      .filter((v) => v !== '')
      .map(canonicalName);
    if (key === 'modules-load' || key === 'modules_load') load.push(...list);
    else if (key === 'modprobe.blacklist' || key === 'module_blacklist') blacklist.push(...list);
    else {
      const dot = key.indexOf('.');
      if (dot > 0 && dot < key.length - 1 && !key.startsWith('rd.') && !key.startsWith('systemd.')) {
        options.push({module: canonicalName(key.slice(0, dot)), parameter: canonicalName(key.slice(dot + 1)), value});
      }
    }
  }
  return {load, blacklist, options};
}

/** splitWords splits a kernel command line into its words: white space separates, double quotes group. Pure. */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let quoted = false;
  for (const c of text) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && /\s/.test(c)) {
      if (word !== '') words.push(word);
      word = '';
    } else word += c;
  }
  if (word !== '') words.push(word);
  return words;
}

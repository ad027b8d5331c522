import {splitWords} from '../module/kernel-cmdline.js';
import {kernelArgPattern} from './cmdline.js';

/** grubDefaultsDir holds the shell fragments `update-grub` (grub-mkconfig) sources after /etc/default/grub. */
export const grubDefaultsDir = '/etc/default/grub.d';

/** cosiGrubDropIn is cosi's own, owned-whole, fragment: sourced last of the usual ones (`90-`). */
export const cosiGrubDropIn = `${grubDefaultsDir}/90-cosi.cfg`;

/** grubDefaultsFile is Debian's main GRUB defaults file. */
export const grubDefaultsFile = '/etc/default/grub';

/** grubCfgFile is the configuration update-grub generates, which GRUB reads at boot. */
export const grubCfgFile = '/boot/grub/grub.cfg';

const header =
  '# Written by cosi from spec.kernel.args; cosi owns this file and rewrites it whole. update-grub sources it.\n';

/**
 * renderDropIn writes cosi's GRUB fragment: the arguments appended to GRUB_CMDLINE_LINUX (every menu entry,
 * recovery included). The file is shell, sourced by grub-mkconfig: the arguments are checked against
 * {@link kernelArgPattern} (no white space, quotes, `$`, backslashes or `;`) and sit inside double quotes, so the
 * assignment means exactly this list. Pure; throws on an argument the schema would have refused (a bug).
 */
export function renderDropIn(args: readonly string[]): string {
  for (const arg of args) {
    if (!kernelArgPattern.test(arg))
      throw new Error(
        `internal error (this is a bug in cosi): kernel argument ${JSON.stringify(arg)} is not safe in ${cosiGrubDropIn}`,
      );
  }
  return `${header}GRUB_CMDLINE_LINUX="\${GRUB_CMDLINE_LINUX} ${args.join(' ')}"\n`;
}

/** dropInArgs reads back the arguments of a drop-in cosi wrote (or one that only looks so); [] for anything else. Pure. */
export function dropInArgs(text: string | null): string[] {
  if (text === null) return [];
  const m = /^GRUB_CMDLINE_LINUX="\$\{GRUB_CMDLINE_LINUX\} ([^"]*)"$/m.exec(text);
  return m ? m[1]!.split(' ').filter((a) => a !== '') : [];
}

/**
 * defaultsArgs reads the kernel arguments a GRUB defaults file sets in `GRUB_CMDLINE_LINUX` and
 * `GRUB_CMDLINE_LINUX_DEFAULT` assignments (quoted or not). It does not run the shell: expansions
 * (`${GRUB_CMDLINE_LINUX}`) are left out, which is what they add anyway. Pure.
 */
export function defaultsArgs(text: string): string[] {
  const args: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(?:export\s+)?GRUB_CMDLINE_LINUX(?:_DEFAULT)?=(?:"([^"]*)"|'([^']*)'|(\S*))/.exec(line);
    if (!m) continue;
    const value = m[1] ?? m[2] ?? m[3] ?? '';
    args.push(...splitWords(value).filter((w) => !w.startsWith('$')));
  }
  return args;
}

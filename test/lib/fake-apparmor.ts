import type {CommandRequest, CommandResult, CommandRunner} from '../../src/host/command.js';
import {kernelProfilesFile, parseKernelProfiles} from '../../src/resources/apparmor/kernel-profiles.js';
import type {FixtureRoot} from './fixture-root.js';

/** apparmorFiles is a node whose kernel has AppArmor enabled, with Debian's apparmor_parser and one loaded profile. */
export const apparmorFiles: Record<string, string> = {
  '/sys/module/apparmor/parameters/enabled': 'Y\n',
  [kernelProfilesFile]: 'lsb_release (enforce)\nnvidia_modprobe (enforce)\n',
  '/usr/sbin/apparmor_parser': '',
  '/etc/apparmor.d/tunables/global': '#include <tunables/home>\n',
};

const result = (exitCode: number, stdout = '', stderr = ''): CommandResult => ({
  exitCode,
  timedOut: false,
  stdout,
  stderr,
  started: true,
});

function names(text: string): string[] {
  return [...text.matchAll(/^\s*profile\s+([^\s{]+)/gm)].map((m) => m[1]!);
}

/**
 * fakeApparmorParser stands in for apparmor_parser in a fixture root: `-Q -K -v /dev/stdin` says
 * `Addition succeeded` for each `profile NAME`, and reports a line containing `SYNTAX-ERROR` as real
 * apparmor_parser does; `-r FILE` loads the file's profiles into the kernel's list (complain when flagged so),
 * `-R /dev/stdin` unloads the named ones. The real parser is exercised by the e2e suites.
 */
export function fakeApparmorParser(root: FixtureRoot, calls: CommandRequest[] = []): CommandRunner {
  const kernel = async () => parseKernelProfiles((await root.read(kernelProfilesFile)) ?? '');
  const save = async (loaded: Record<string, string>) =>
    root.write(
      kernelProfilesFile,
      Object.entries(loaded)
        .map(([n, m]) => `${n} (${m})\n`)
        .join(''),
    );
  return async (request) => {
    calls.push(request);
    // apparmor_parser behind `sh -c 'cat | "$0" "$@" /dev/stdin' PARSER ARGS…` (probe.ts, parserOnStdin).
    const [command, ...args] = request.argv[0] === 'sh' ? request.argv.slice(3) : request.argv;
    if (!command?.endsWith('apparmor_parser'))
      return {exitCode: 127, timedOut: false, stdout: '', stderr: `${command}: not found`, started: false};
    if (args.includes('-Q')) {
      const text = request.input ?? '';
      const bad = text.split('\n').findIndex((l) => l.includes('SYNTAX-ERROR'));
      if (bad !== -1)
        return result(
          1,
          '',
          `Cache read/write disabled: interface file missing. (Kernel needs AppArmor 2.4 compatibility patch.)\nAppArmor parser error for /dev/stdin in profile /dev/stdin at line ${bad + 1}: syntax error, unexpected TOK_ID, expecting TOK_END_OF_RULE\n`,
        );
      return result(
        0,
        names(text)
          .map((n) => `Addition succeeded for "${n}".\n`)
          .join(''),
      );
    }
    const loaded = await kernel();
    if (args[0] === '-r') {
      const text = (await root.read(args[1]!)) ?? '';
      for (const n of names(text)) loaded[n] = /flags=\([^)]*complain/.test(text) ? 'complain' : 'enforce';
      await save(loaded);
      return result(0);
    }
    if (args[0] === '-R') {
      for (const n of names(request.input ?? '')) delete loaded[n];
      await save(loaded);
      return result(0);
    }
    return result(1, '', `unexpected arguments ${args.join(' ')}`);
  };
}

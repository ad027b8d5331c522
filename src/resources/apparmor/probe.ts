import type {ProbeRequest} from '../../engine/provider.js';
import {managedOfKind} from '../../engine/state.js';
import type {Host} from '../../host/host.js';
import {apparmorEnabledFile, kernelProfilesFile, parseKernelProfiles} from './kernel-profiles.js';
import {parseParserOutput, type ParseResult} from './parser-output.js';
import {isProfileName} from '../../names/apparmor-profile-name.js';
import {apparmorDir, declaredMode, profilePath} from './profile-file.js';

/** ObservedProfileFile is what is at a profile's path under /etc/apparmor.d. */
export type ObservedProfileFile =
  | {readonly state: 'missing'}
  | {readonly state: 'present'; readonly text: string}
  | {readonly state: 'unsafe'; readonly reason: string};

/** ApparmorObserved is the probed AppArmor state of the node. */
export interface ApparmorObserved {
  /** /sys/module/apparmor/parameters/enabled: true (`Y`), false, or null when the kernel has no AppArmor. */
  readonly enabled: boolean | null;
  /** Whether the loaded-profiles list (securityfs) could be read. */
  readonly securityfs: boolean;
  /** Where apparmor_parser is on the node, or null when it is not installed. */
  readonly parser: string | null;
  /** Loaded profiles: name -> mode (`enforce`, `complain`, …). */
  readonly loaded: Readonly<Record<string, string>>;
  /** The files of the declared and managed profiles, by profile name. */
  readonly files: Readonly<Record<string, ObservedProfileFile>>;
  /** apparmor_parser's verdict on each declared profile that this plan would write or load, by name. */
  readonly checks: Readonly<Record<string, ParseResult>>;
}

const parserPaths = ['/usr/sbin/apparmor_parser', '/sbin/apparmor_parser'];

/** findParser returns where apparmor_parser is installed on the node, if anywhere. Read-only. */
export async function findParser(host: Host): Promise<string | null> {
  for (const path of parserPaths) if ((await host.stat(path))?.isFile()) return path;
  return null;
}

/** readKernelState reads whether AppArmor is enabled and which profiles are loaded in which mode. Read-only. */
export async function readKernelState(
  host: Host,
): Promise<Pick<ApparmorObserved, 'enabled' | 'securityfs' | 'loaded'>> {
  const enabled = (await host.readText(apparmorEnabledFile))?.trim();
  const profiles = await host.readText(kernelProfilesFile).catch(() => undefined);
  return {
    enabled: enabled === undefined ? null : enabled === 'Y',
    securityfs: profiles !== undefined,
    loaded: profiles === undefined ? {} : parseKernelProfiles(profiles),
  };
}

async function readProfileFile(host: Host, name: string): Promise<ObservedProfileFile> {
  const dir = await host.lstat(apparmorDir);
  if (dir && !dir.isDirectory()) return {state: 'unsafe', reason: `${apparmorDir} is not a directory`};
  const info = await host.lstat(profilePath(name));
  if (!info) return {state: 'missing'};
  if (!info.isFile())
    return {
      state: 'unsafe',
      reason: `${profilePath(name)} is not a regular file (${info.isSymbolicLink() ? 'a symbolic link' : info.isDirectory() ? 'a directory' : 'a special file'})`,
    };
  return {state: 'present', text: (await host.readText(profilePath(name))) ?? ''};
}

/**
 * parserOnStdin is the argument vector that runs apparmor_parser with `args` on a text given on standard input, named
 * `/dev/stdin` so that its messages tell the text's own lines from an included file's. Node gives a child a socket
 * as standard input, which /dev/stdin cannot open (ENXIO), so `cat` passes the text on through a pipe; the script is
 * fixed, and the parser's path and arguments are its positional parameters, never part of it.
 */
export function parserOnStdin(parser: string, args: readonly string[]): string[] {
  return ['sh', '-c', 'cat | "$0" "$@" /dev/stdin', parser, ...args];
}

/**
 * checkProfile runs the node's apparmor_parser in parse-only mode (`-Q -K`, nothing loaded, no cache written) on a
 * profile text given on standard input as `/dev/stdin`, inside the root, so that its `#include`s resolve from the
 * node's /etc/apparmor.d. Read-only.
 */
export async function checkProfile(host: Host, parser: string, text: string): Promise<ParseResult> {
  const result = await host.run({argv: parserOnStdin(parser, ['-Q', '-K', '-v']), input: text, timeoutMs: 120_000});
  if (!result.started)
    return {ok: false, names: [], messages: [{message: `${parser} could not be started: ${result.stderr.trim()}`}]};
  return parseParserOutput(result);
}

/**
 * probeApparmor reads the kernel's AppArmor state (enabled, loaded profiles and modes), the profile files of every
 * declared and managed profile, and has apparmor_parser check (parse only) each declared profile whose file or
 * loaded mode differs — one process per such profile, since the parser takes one text on standard input and the
 * probe writes nothing to the node; a profile whose file holds the text and is loaded as asked was accepted by the
 * kernel already. Read-only.
 */
export async function probeApparmor({host, desired, state}: ProbeRequest): Promise<ApparmorObserved> {
  const declared = desired.config.spec?.apparmor?.profiles ?? {};
  const names = new Set(Object.keys(declared).filter(isProfileName));
  for (const [address] of managedOfKind(state, 'apparmor.profile')) {
    const name = address.slice('apparmor.profile.'.length);
    if (isProfileName(name)) names.add(name);
  }
  if (names.size === 0) return {enabled: null, securityfs: false, parser: null, loaded: {}, files: {}, checks: {}};
  const kernel = await readKernelState(host);
  const parser = await findParser(host);
  const files: Record<string, ObservedProfileFile> = {};
  for (const name of [...names].sort()) files[name] = await readProfileFile(host, name);
  const pending = Object.entries(declared).filter(([name, text]) => {
    const file = files[name];
    return (
      file !== undefined &&
      !(file.state === 'present' && file.text === text && kernel.loaded[name] === declaredMode(name, text))
    );
  });
  const checks: Record<string, ParseResult> = {};
  if (parser !== null) {
    const results = await Promise.all(
      pending.map(async ([name, text]) => [name, await checkProfile(host, parser, text)] as const),
    );
    for (const [name, result] of results) checks[name] = result;
  }
  return {...kernel, parser, files, checks};
}

/** ParserMessage is one problem apparmor_parser reported, with the profile text's line when it is in the text itself. */
export interface ParserMessage {
  readonly message: string;
  /** 1-based line in the profile text; undefined when the problem is elsewhere (an included file) or has no line. */
  readonly line?: number;
}

/** ParseResult is what `apparmor_parser -Q -K -v /dev/stdin` said about one profile text. */
export interface ParseResult {
  readonly ok: boolean;
  /** Profiles (and hats) the text defines, as `Addition succeeded for "NAME".` lines name them. */
  readonly names: readonly string[];
  readonly messages: readonly ParserMessage[];
}

// Lines apparmor_parser prints about the machine it runs on, not about the profile.
const noise = [
  /^Cache read\/write disabled/,
  /^Warning: unable to find a suitable fs/,
  /^Use --subdomainfs to override/,
  /^Warning from stdin/,
];

/**
 * parseParserOutput reads apparmor_parser's verbose parse-only output for a text given as `/dev/stdin`: the
 * profile names it added, and its errors; "… in profile /dev/stdin at line N: …" is the text's own line N, an
 * error in another file (an `#include`) keeps that file's name and has no line in the text. Pure.
 */
export function parseParserOutput(result: {exitCode: number; stdout: string; stderr: string}): ParseResult {
  const names = [...result.stdout.matchAll(/^Addition succeeded for "(.*)"\.$/gm)].map((m) => m[1]!);
  const messages: ParserMessage[] = [];
  for (const raw of result.stderr.split('\n')) {
    const line = raw.trim();
    if (line === '' || noise.some((n) => n.test(line))) continue;
    const own = /^AppArmor parser error for \/dev\/stdin in (?:profile|file) \/dev\/stdin at line (\d+): (.*)$/.exec(
      line,
    );
    if (own) {
      messages.push({line: Number(own[1]), message: own[2]!});
      continue;
    }
    const other = /^AppArmor parser error for \/dev\/stdin in (?:profile|file) (\S+) at line (\d+): (.*)$/.exec(line);
    if (other) {
      messages.push({message: `${other[3]} (in ${other[1]}, line ${other[2]})`});
      continue;
    }
    const bare = /^AppArmor parser error at line (\d+): (.*)$/.exec(line);
    if (bare) messages.push({line: Number(bare[1]), message: bare[2]!});
    else
      messages.push({
        message: line.replace(/^AppArmor parser error for \/dev\/stdin in (?:profile|file) \/dev\/stdin: /, ''),
      });
  }
  return {ok: result.exitCode === 0, names, messages};
}

import test from 'ava';
import {spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {commandDocs, optionDocs} from '../../src/cli/command-docs.js';
import {bashCompletion} from '../../src/cli/completion.js';
import {commandUsage, usage} from '../../src/cli/help.js';
import {manPages, roff} from '../../src/cli/man-page.js';
import {runCliSync} from '../lib/run-cli.js';

const repo = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../../..');

const cosi = (args: string[], cwd?: string) => runCliSync(args, cwd ? {cwd} : {});

for (const doc of commandDocs) {
  test(`cosi ${doc.name} --help prints that command's usage, options and exit codes`, (t) => {
    const help = cosi([doc.name, '--help']);
    t.is(help.exitCode, 0, help.stderr);
    t.is(help.stdout, commandUsage(doc));
    t.true(help.stdout.startsWith(`Usage: cosi ${doc.name}`));
    for (const option of doc.options) t.true(help.stdout.includes(`--${option}`), option);
    t.regex(help.stdout, /^Exit codes:$/m);
    t.deepEqual(cosi(['help', doc.name]).stdout, help.stdout, 'cosi help COMMAND is the same text');
    for (const line of help.stdout.split('\n')) t.true(line.length <= 80, `line over 80 columns: ${line}`);
  });
}

test('the global help lists every command; help of an unknown command is a usage error', (t) => {
  const help = cosi(['--help']);
  t.is(help.exitCode, 0);
  t.is(help.stdout, usage());
  for (const doc of commandDocs)
    t.regex(help.stdout, new RegExp(`^  ${doc.name} +${doc.summary.replace(/[()]/g, '\\$&')}`, 'm'));
  const unknown = cosi(['help', 'paln']);
  t.is(unknown.exitCode, 1);
  t.regex(unknown.stderr, /unknown command "paln"; did you mean "plan"\?/);
});

test('an option that does not apply to the command is a usage error naming both', (t) => {
  const r = cosi(['validate', '--out', 'x.plan', 'doc.yaml']);
  t.is(r.exitCode, 1);
  t.regex(r.stderr, /option --out does not apply to 'cosi validate'; see 'cosi validate --help'/);
});

test('the man pages say what --help says: same options, same exit codes, one page per command', (t) => {
  const pages = manPages({version: '1.2.3', date: '2026-12-01'});
  t.deepEqual(Object.keys(pages).sort(), ['cosi.8', ...commandDocs.map((c) => `cosi-${c.name}.8`)].sort());
  for (const doc of commandDocs) {
    const page = pages[`cosi-${doc.name}.8`]!;
    t.true(
      page.includes(
        `\n.TH ${roff(`cosi-${doc.name}`.toUpperCase())} 8 "2026-12-01" "cosi 1.2.3" "System Administration"\n`,
      ),
      doc.name,
    );
    for (const option of doc.options)
      t.true(page.includes(roff(optionDocs[option].description)), `${doc.name}: ${option}`);
    for (const [code, text] of doc.exitCodes)
      t.true(page.includes(`\\fB${code}\\fR\n${roff(text)}`), `${doc.name}: exit ${code}`);
  }
  t.regex(pages['cosi.8']!, /^\.SH FILES$/m);
});

test('roff escapes what a man page would misread', (t) => {
  t.is(roff('--root \\x'), '\\-\\-root \\ex');
  t.is(roff(".TH\n'quote"), "\\&.TH\n\\&'quote");
});

test('the build writes the man pages and the completion that the packages ship', (t) => {
  const page = readFileSync(join(repo, 'dist/share/man/man8/cosi-plan.8'), 'utf8');
  t.true(page.includes(roff(optionDocs.out.description)));
  t.is(readFileSync(join(repo, 'dist/share/bash-completion/completions/cosi'), 'utf8'), bashCompletion());
  t.is(cosi(['completion', 'bash']).stdout, bashCompletion());
  t.is(cosi(['completion', 'zsh']).exitCode, 1);
});

const completionFile = join(mkdtempSync(join(tmpdir(), 'cosi-completion-')), 'cosi');
writeFileSync(completionFile, bashCompletion());

function complete(line: string): string[] {
  // bash with a stand-in for bash-completion's helpers: the words a completion offers for the command line.
  const script = `
_init_completion() { cur=\${COMP_WORDS[COMP_CWORD]}; prev=\${COMP_WORDS[COMP_CWORD-1]}; words=("\${COMP_WORDS[@]}"); cword=$COMP_CWORD; }
_filedir() { COMPREPLY=("<files$*>"); }
compopt() { :; }
source "$1"
COMP_LINE=${JSON.stringify(line)}
read -ra COMP_WORDS <<< "$COMP_LINE"
[[ $COMP_LINE == *' ' ]] && COMP_WORDS+=('')
COMP_CWORD=$((\${#COMP_WORDS[@]} - 1))
_cosi
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = spawnSync('bash', ['-c', script, 'bash', completionFile], {encoding: 'utf8'});
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.split('\n').filter((l) => l !== '');
}

test("bash completion: commands, a command's flags, file and directory values, fixed words", (t) => {
  t.deepEqual(complete('cosi p'), ['plan']);
  t.deepEqual(complete('cosi plan --d'), ['--detailed-exitcode']);
  t.true(complete('cosi apply --').includes('--auto-approve'));
  t.false(complete('cosi validate --').includes('--out'), 'only the options that apply');
  t.deepEqual(complete('cosi plan --root '), ['<files-d>']);
  t.deepEqual(complete('cosi plan --root /host '), ['<files>'], 'after a valued option, the operand is a file');
  t.deepEqual(complete('cosi --root /host plan --out '), ['<files>']);
  t.deepEqual(complete('cosi cloud-init --install d'), ['deb:']);
  t.deepEqual(complete('cosi completion '), ['bash']);
  t.deepEqual(complete('cosi help dr'), ['drift']);
});

test('--json errors are one JSON object on stdout, with the located diagnostics', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cosi-json-error-'));
  t.teardown(() => rmSync(dir, {recursive: true, force: true}));
  const file = join(dir, 'bad.yaml');
  writeFileSync(
    file,
    'apiVersion: cosi.dev/v1alpha1\nkind: NodeConfig\nmetadata: {name: n}\nspec:\n  modules:\n    floppy: {state: gone}\n',
  );
  const r = cosi(['validate', file, '--json']);
  t.is(r.exitCode, 1);
  const lines = r.stdout.trim().split('\n');
  t.is(lines.length, 1, 'one object');
  const error = JSON.parse(lines[0]!) as {
    formatVersion: string;
    type: string;
    diagnostics: Array<Record<string, unknown>>;
  };
  t.is(error.formatVersion, '1');
  t.is(error.type, 'error');
  const [d] = error.diagnostics;
  t.like(d, {file, line: 6, severity: 'error', path: 'spec.modules.floppy.state'});
  t.is(typeof d!['column'], 'number');
  t.is(typeof d!['message'], 'string');
  const usageError = cosi(['plan', '--roots', '/', '--json']);
  t.like(JSON.parse(usageError.stdout), {
    type: 'error',
    diagnostics: [
      {
        file: null,
        line: null,
        column: null,
        path: null,
        severity: 'error',
        message: 'unknown option --roots; did you mean --root?',
      },
    ],
  });
});

test('--root: relative to the working directory; a missing root or one without etc/ is an error that creates nothing', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cosi-root-arg-'));
  t.teardown(() => rmSync(dir, {recursive: true, force: true}));
  const missing = cosi(['facts', '--root', 'r1'], dir);
  t.is(missing.exitCode, 1);
  t.regex(missing.stderr, new RegExp(`--root ${dir}/r1: no such directory; nothing was read or changed`));
  t.throws(() => readFileSync(join(dir, 'r1')), undefined, 'nothing created');
  writeFileSync(join(dir, 'file'), '');
  t.regex(cosi(['facts', '--root', 'file'], dir).stderr, /--root .*\/file: not a directory/);
  rmSync(join(dir, 'file'));
  const empty = cosi(['facts', '--root', '.'], dir);
  t.is(empty.exitCode, 1);
  t.regex(empty.stderr, new RegExp(`--root ${dir} does not hold a node's file system \\(no etc/ directory\\)`));
});

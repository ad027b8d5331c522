import {commandDocs, globalOptions, optionDocs, type ValueKind} from './command-docs.js';

function shellWord(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

function completeValue(kind: ValueKind | undefined): string {
  switch (kind?.kind) {
    case 'file':
      return '_filedir';
    case 'directory':
      return '_filedir -d';
    case 'words':
      return `COMPREPLY=($(compgen -W ${shellWord(kind.words.join(' '))} -- "$cur")); [[ \${COMPREPLY[0]-} == *: ]] && compopt -o nospace`;
    case 'none':
    case undefined:
      return 'COMPREPLY=()';
    default:
      return kind satisfies never;
  }
}

/**
 * bashCompletion renders cosi's bash completion from the command documentation: commands, each command's options,
 * option values (files, directories, fixed words) and file operands. It relies on bash-completion's `_init_completion`
 * and `_filedir`, as Debian's and Fedora's completions do.
 */
export function bashCompletion(): string {
  const valued = Object.values(optionDocs).filter((o) => o.value !== undefined);
  const commandCases = commandDocs.map((c) => {
    const flags = [...new Set([...c.options, ...globalOptions])].map((name) => `--${name}`).join(' ');
    const operand = c.operands[0]?.complete;
    return `    ${c.name})\n      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W ${shellWord(flags)} -- "$cur")); else ${completeValue(operand)}; fi ;;`;
  });
  return `# bash completion for cosi. Generated from src/cli/command-docs.ts (the same text as --help). Do not edit.
_cosi() {
  local cur prev words cword
  _init_completion || return
  case $prev in
${valued.map((o) => `    --${o.name}) ${completeValue(o.complete)}; return ;;`).join('\n')}
  esac
  local command='' i
  for ((i = 1; i < cword; i++)); do
    case \${words[i]} in
${valued.map((o) => `      --${o.name}) ((i++)) ;;`).join('\n')}
      -*) ;;
      *) command=\${words[i]}; break ;;
    esac
  done
  case $command in
    '')
      COMPREPLY=($(compgen -W ${shellWord([...commandDocs.map((c) => c.name), 'help', '--help', '--version'].join(' '))} -- "$cur")) ;;
${commandCases.join('\n')}
    help)
      COMPREPLY=($(compgen -W ${shellWord(commandDocs.map((c) => c.name).join(' '))} -- "$cur")) ;;
  esac
}
complete -F _cosi cosi
`;
}

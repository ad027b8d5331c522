/**
 * command-docs is the one source of cosi's command-line documentation: `cosi --help`, `cosi COMMAND --help`, the man
 * pages (`cosi(8)`, `cosi-COMMAND(8)`) and the bash completion are all rendered from it, so they never disagree.
 * Plain text only: renderers escape it for their format.
 */

/** OptionName is every option cosi's parser knows. */
export type OptionName =
  | 'root'
  | 'patch'
  | 'json'
  | 'no-color'
  | 'help'
  | 'version'
  | 'out'
  | 'detailed-exitcode'
  | 'auto-approve'
  | 'textfile'
  | 'lock-timeout'
  | 'install'
  | 'interval'
  | 'mode'
  | 'metrics'
  | 'socket-group'
  | 'socket';

/** ValueKind says what an option's value (or an operand) is, for the completion: a file, a directory, words, or free. */
export type ValueKind =
  {readonly kind: 'file' | 'directory' | 'none'} | {readonly kind: 'words'; readonly words: readonly string[]};

/** OptionDoc documents one option. */
export interface OptionDoc {
  readonly name: OptionName;
  readonly short?: string;
  /** The value's placeholder (`DIR`); absent for a flag. */
  readonly value?: string;
  readonly complete?: ValueKind;
  readonly description: string;
}

/** CommandDoc documents one command. */
export interface CommandDoc {
  readonly name: string;
  /** The one-line summary (the man page's NAME line and the global help's list). */
  readonly summary: string;
  /** What follows `cosi NAME` in the synopsis. */
  readonly synopsis: string;
  /** Paragraphs of the description. */
  readonly description: readonly string[];
  readonly operands: readonly {readonly name: string; readonly description: string; readonly complete: ValueKind}[];
  /** The options this command takes besides --help (in this order in its help). */
  readonly options: readonly OptionName[];
  /** Exit status → meaning for this command. */
  readonly exitCodes: readonly (readonly [number, string])[];
  readonly examples: readonly (readonly [string, string])[];
}

/** options documents every option once. */
export const optionDocs: Readonly<Record<OptionName, OptionDoc>> = {
  root: {
    name: 'root',
    value: 'DIR',
    complete: {kind: 'directory'},
    description:
      "The node's root directory: every path is read and written under it, and commands run inside it (chroot). A DaemonSet mounts the host at /host. Resolved against the working directory; it must exist and hold an etc/ directory. Default /.",
  },
  patch: {
    name: 'patch',
    value: 'FILE',
    complete: {kind: 'file'},
    description:
      'Apply an RFC 6902 JSON Patch (YAML or JSON) to the document before validation. Repeatable; applied in order.',
  },
  json: {
    name: 'json',
    description:
      'Machine-readable output: one JSON object with formatVersion "1" (apply: one JSON line per event). Errors too are one JSON object on standard output.',
  },
  'no-color': {
    name: 'no-color',
    description: 'No colors (also when NO_COLOR is set; colors are only ever used on a terminal).',
  },
  help: {name: 'help', short: 'h', description: 'Print this help and exit.'},
  version: {name: 'version', description: "Print cosi's version and exit."},
  out: {
    name: 'out',
    value: 'PLAN',
    complete: {kind: 'file'},
    description:
      'Save the plan to PLAN, for a later "cosi apply PLAN" (an approval: apply plans afresh and goes ahead only if the fresh plan equals it).',
  },
  'detailed-exitcode': {name: 'detailed-exitcode', description: 'Exit 2 (instead of 0) when changes are pending.'},
  'auto-approve': {
    name: 'auto-approve',
    description: 'Apply without asking. Without a terminal, apply refuses unless this is given.',
  },
  textfile: {
    name: 'textfile',
    value: 'FILE',
    complete: {kind: 'file'},
    description:
      'Also write the drift as node_exporter textfile metrics to FILE (atomically), e.g. /var/lib/node_exporter/textfile_collector/cosi.prom.',
  },
  'lock-timeout': {
    name: 'lock-timeout',
    value: 'SECONDS',
    description: 'Wait up to SECONDS for another apply to release the lock (default 0: fail at once).',
  },
  install: {
    name: 'install',
    value: 'SOURCE',
    complete: {kind: 'words', words: ['image', 'npm:', 'deb:', 'binary:']},
    description:
      'Where the node gets cosi: image (cosi is in the image, the default), deb:URL (a .deb package), binary:URL (the single executable), npm:SPEC or an https:// URL of an npm tarball. A URL may end in #sha256=HEX, which the node checks before installing.',
  },
  interval: {
    name: 'interval',
    value: 'DURATION',
    description:
      'How often the agent reconciles besides at start and when the document changes: 30s, 5m (the default), 1h.',
  },
  mode: {
    name: 'mode',
    value: 'MODE',
    complete: {kind: 'words', words: ['apply', 'plan']},
    description:
      'apply (the default): carry out every change that owes no reboot, and write /var/run/reboot-required for those that do; plan: only report (resources, metrics).',
  },
  metrics: {
    name: 'metrics',
    value: 'HOST:PORT',
    description:
      'Serve /metrics (Prometheus text: the drift metrics, reconciles, applies and their durations) and /healthz on HOST:PORT, e.g. 127.0.0.1:9100 (:9100 for every address).',
  },
  'socket-group': {
    name: 'socket-group',
    value: 'GROUP',
    description:
      "The group (a name in the node's /etc/group, or a number) whose members may read through the agent's read socket; default cosi.",
  },
  socket: {
    name: 'socket',
    value: 'PATH',
    complete: {kind: 'file'},
    description: "The agent's read socket; default /run/cosi/cosi.sock under --root.",
  },
};

/** commonOptions are the options every command takes, in the order help and the manual list them. */
export const commonOptions: readonly OptionDoc[] = [
  optionDocs.root,
  optionDocs.patch,
  optionDocs.json,
  optionDocs['no-color'],
  optionDocs.help,
  optionDocs.version,
];

const config = {
  name: 'CONFIG',
  description: 'The document; default /etc/cosi/config.yaml under --root.',
  complete: {kind: 'file'},
} as const;
const documentOptions: readonly OptionName[] = ['root', 'patch', 'json', 'no-color'];
const errorExit = [
  1,
  'The document is invalid, the node could not be read, or another error; diagnostics are on standard error.',
] as const;

/** commandDocs documents every command, in the order the global help lists them. */
export const commandDocs: readonly CommandDoc[] = [
  {
    name: 'validate',
    summary: 'check a document offline',
    synopsis: '[CONFIG] [--patch FILE]... [--json]',
    description: [
      "Checks the document against cosi's JSON Schema and its rules (names, version constraints, seccomp profiles, CNI networks, requirements that conflict). Nothing on the node is read. Each problem is printed as FILE:LINE:COL: error: MESSAGE, pointing at the offending YAML node.",
    ],
    operands: [config],
    options: documentOptions,
    exitCodes: [
      [0, 'The document is valid.'],
      [1, 'The document is invalid (or another error).'],
    ],
    examples: [
      ['cosi validate /etc/cosi/config.yaml', "Check the node's document."],
      ['cosi validate base.yaml --patch pool-gpu.yaml', "Check a fleet base with a pool's patch."],
    ],
  },
  {
    name: 'plan',
    summary: 'show the changes the node needs (read-only)',
    synopsis: '[CONFIG] [--out PLAN] [--json] [--detailed-exitcode]',
    description: [
      'Probes the node, read-only, and prints the ordered changes that would make it match the document, in the spirit of Terraform: + create, ~ update, - delete, -/+ replace, with the disruption each change causes (a service restart, a reboot) and the settings that would not survive a reboot.',
      'With --out, the plan is saved; "cosi apply PLAN" later carries it out only if planning afresh gives the same changes.',
      "Some checks need the node's own tools and run during plan, read-only: AppArmor profiles are parsed by the node's apparmor_parser (parse only; an error is reported at its line of the document). cosi never reboots: a change whose disruption is a reboot is carried out for the next boot, and apply then writes /var/run/reboot-required.",
    ],
    operands: [config],
    options: [...documentOptions, 'out', 'detailed-exitcode'],
    exitCodes: [
      [0, 'Success (with --detailed-exitcode: and nothing to change).'],
      errorExit,
      [2, 'With --detailed-exitcode: success, and changes are pending.'],
    ],
    examples: [
      ['cosi plan', 'Plan the default document against this node.'],
      ['cosi plan --root /host --json', 'Plan from a DaemonSet, as JSON.'],
    ],
  },
  {
    name: 'apply',
    summary: 'make the node match the document',
    synopsis: '[CONFIG | PLAN] [--auto-approve] [--json] [--lock-timeout SECONDS]',
    description: [
      'Plans, asks on a terminal (unless --auto-approve), and carries out the changes in order: atomic file writes, under a lock, with a journal so that an interrupted apply is resumed by the next one. Running it again converges: a node that matches is left alone.',
      'Given a saved PLAN (from "cosi plan --out"), apply plans afresh and goes ahead only if the fresh plan equals the saved one, change for change; otherwise it refuses and names what differs.',
    ],
    operands: [
      {
        name: 'CONFIG | PLAN',
        description: 'The document (default /etc/cosi/config.yaml under --root), or a plan saved by cosi plan --out.',
        complete: {kind: 'file'},
      },
    ],
    options: [...documentOptions, 'auto-approve', 'lock-timeout'],
    exitCodes: [
      [0, 'The node matches the document (after the changes made).'],
      [1, 'An error: the document, a probe, a refused plan, or a change that failed (the journal keeps what is owed).'],
    ],
    examples: [
      ['cosi apply --auto-approve', 'Apply the default document, as cosi-apply.service does at boot.'],
      ['cosi plan --out node.plan && cosi apply node.plan', 'Review first, then apply exactly what was reviewed.'],
    ],
  },
  {
    name: 'drift',
    summary: 'report differences (exit 2 when any), for cron',
    synopsis: '[CONFIG] [--json] [--textfile FILE]',
    description: [
      'Like plan, for timers and monitoring: reports how the node differs from the document and why (the node changed, or the document did), and conditions apply cannot change. With --textfile, also writes node_exporter metrics. cosi-drift.timer runs it.',
    ],
    operands: [config],
    options: [...documentOptions, 'textfile'],
    exitCodes: [[0, 'The node matches the document.'], errorExit, [2, 'The node differs from the document.']],
    examples: [
      [
        'cosi drift --textfile /var/lib/node_exporter/textfile_collector/cosi.prom',
        'Report drift to Prometheus through node_exporter.',
      ],
    ],
  },
  {
    name: 'facts',
    summary: 'what cosi reads from the node',
    synopsis: '[--json]',
    description: [
      'Prints what cosi observes on the node: the OS, kernel, package manager, container runtime and its socket, modules, sysctls, CNI, CSI, seccomp, whether AppArmor is enabled and its loaded profiles, and the kernel command line (running and next boot, and the boot loader); with the default document (/etc/cosi/config.yaml under the root), also its conditions: CSI drivers not healthy, CNI plugins another component has not installed yet. Read-only.',
    ],
    operands: [],
    options: ['root', 'json', 'no-color'],
    exitCodes: [
      [0, 'Success.'],
      [1, 'The node could not be read.'],
    ],
    examples: [['cosi facts --json', 'The facts as JSON.']],
  },
  {
    name: 'schema',
    summary: "print the document's JSON Schema",
    synopsis: '',
    description: ['Prints the JSON Schema (draft 2020-12) that documents are validated against, for editors and CI.'],
    operands: [],
    options: [],
    exitCodes: [[0, 'Success.']],
    examples: [['cosi schema > cosi.schema.json', 'Save the schema for an editor.']],
  },
  {
    name: 'cloud-init',
    summary: "print #cloud-config user-data for a node's first boot",
    synopsis: '[CONFIG] [--install SOURCE]',
    description: [
      "Validates the document and prints #cloud-config user-data that installs cosi (--install), the document and cosi's boot and drift units, and applies the document on first boot before the container runtime and the kubelet start. Nothing on this machine is changed.",
    ],
    operands: [config],
    options: ['root', 'patch', 'no-color', 'install'],
    exitCodes: [
      [0, 'Success.'],
      [1, 'The document is invalid, or --install is not understood.'],
    ],
    examples: [
      [
        'cosi cloud-init --install deb:https://example.com/cosi.deb > user-data',
        "User-data for a node that installs cosi's .deb.",
      ],
    ],
  },
  {
    name: 'agent',
    summary: 'serve the COSI State API and keep the node reconciled',
    synopsis: '[CONFIG] [--interval DURATION] [--mode apply|plan] [--metrics HOST:PORT] [--socket-group GROUP]',
    description: [
      "Long-running, as cosi-agent.service or a DaemonSet: serves cosi.resource.State (the COSI specification's gRPC service, wire-compatible) on two UNIX sockets: /run/cosi/cosi.sock (Get, List, Watch; mode 0660, group cosi or --socket-group) and /run/cosi/cosi-admin.sock (everything; mode 0600, root), both under --root.",
      'Resources: config/NodeConfigs.cosi.dev/current (the document), node/SysctlStatuses.cosi.dev (live, persisted, boot, managed, per key; Get reads any key the kernel has), node/ModuleStatuses, PackageStatuses, ServiceStatuses, RuntimeStatuses, CNINetworkStatuses, CSIDriverStatuses and SeccompProfileStatuses.cosi.dev (what the probe observed), node/NodeFacts.cosi.dev/node (cosi facts), plan/Changes.cosi.dev (one per pending change), and the meta namespace (namespaces and resource definitions). Versions increase on every change; labels cosi.dev/kind and cosi.dev/managed.',
      "An Update of the document (on the admin socket, with its current version) is validated (an invalid one is refused with INVALID_ARGUMENT and its diagnostics, and nothing changes), stored atomically, and reconciled. The agent reconciles at start, when the document's directory changes (a ConfigMap mounted by the kubelet swaps its ..data symlink), every interval, and sooner with backoff after a failure. It never applies a change that owes a reboot: it writes /var/run/reboot-required for the node's reboot coordinator. Logs are JSON lines on standard error. SIGTERM stops between two changes and releases the lock; a restarted agent resumes an interrupted apply.",
    ],
    operands: [config],
    options: ['root', 'patch', 'interval', 'mode', 'metrics', 'socket-group', 'lock-timeout'],
    exitCodes: [
      [0, 'Stopped by SIGTERM or SIGINT.'],
      [1, 'The agent could not start (its sockets, --metrics).'],
    ],
    examples: [
      ['cosi agent --metrics 127.0.0.1:9100', 'Serve the node and reconcile it every 5 minutes.'],
      ['cosi agent --root /host --mode plan', 'From a DaemonSet, report only.'],
    ],
  },
  {
    name: 'get',
    summary: "read resources from a running agent's socket",
    synopsis: 'TYPE [ID] [--json] [--socket PATH]',
    description: [
      "Lists the resources of TYPE (or gets the one with ID) from the agent's read socket, as talosctl get does: YAML documents (metadata and spec), or one JSON object per line with --json. TYPE is a type (SysctlStatuses.cosi.dev) or an alias: sysctls, modules, packages, services, runtimes, cninetworks, csidrivers, seccompprofiles, facts, changes, config, namespaces, rds.",
    ],
    operands: [
      {
        name: 'TYPE',
        description: 'A resource type or alias.',
        complete: {
          kind: 'words',
          words: [
            'sysctls',
            'modules',
            'packages',
            'services',
            'runtimes',
            'cninetworks',
            'csidrivers',
            'seccompprofiles',
            'facts',
            'changes',
            'config',
            'namespaces',
            'rds',
          ],
        },
      },
      {name: 'ID', description: 'A resource id (a sysctl key: any key the kernel has).', complete: {kind: 'none'}},
    ],
    options: ['root', 'json', 'socket', 'no-color'],
    exitCodes: [
      [0, 'Success.'],
      [1, 'No agent answers on the socket, the type or resource is unknown, or access is denied.'],
    ],
    examples: [
      ['cosi get sysctls', 'The declared and managed kernel parameters, live, persisted and at boot.'],
      ['cosi get sysctls net.ipv4.ip_forward --json', 'One key, as JSON.'],
    ],
  },
  {
    name: 'watch',
    summary: "follow resources of a type on a running agent's socket",
    synopsis: 'TYPE [--json] [--socket PATH]',
    description: [
      'Prints the current resources of TYPE, then one event (created, updated, destroyed) per change as the agent observes it, until interrupted. YAML documents, or one JSON object per line with --json.',
    ],
    operands: [
      {
        name: 'TYPE',
        description: 'A resource type or alias (see cosi get).',
        complete: {kind: 'words', words: ['sysctls', 'changes', 'config', 'modules', 'services']},
      },
    ],
    options: ['root', 'json', 'socket', 'no-color'],
    exitCodes: [
      [0, 'Interrupted.'],
      [1, 'No agent answers on the socket, or the type is unknown.'],
    ],
    examples: [['cosi watch changes', 'Follow the pending changes.']],
  },
  {
    name: 'completion',
    summary: 'print the bash completion script',
    synopsis: 'bash',
    description: [
      "Prints cosi's bash completion (the packages install it as /usr/share/bash-completion/completions/cosi). Load it in a shell with: source <(cosi completion bash).",
    ],
    operands: [{name: 'SHELL', description: 'The shell; only bash.', complete: {kind: 'words', words: ['bash']}}],
    options: [],
    exitCodes: [
      [0, 'Success.'],
      [1, 'An unknown shell.'],
    ],
    examples: [['source <(cosi completion bash)', "Complete cosi's commands, options and files in this shell."]],
  },
];

/** commandDoc finds a command's documentation. */
export function commandDoc(name: string): CommandDoc | undefined {
  return commandDocs.find((c) => c.name === name);
}

/** globalOptions are the options every command line may carry (--no-color is harmless where nothing is colored). */
export const globalOptions: readonly OptionName[] = ['help', 'version', 'no-color'];

/** files are the node's files cosi(8) describes. */
export const fileDocs: readonly (readonly [string, string])[] = [
  ['/etc/cosi/config.yaml', 'The default document.'],
  [
    '/etc/sysctl.d/90-cosi.conf, /etc/modules-load.d/cosi.conf, /etc/modprobe.d/cosi.conf',
    'Kernel settings cosi persists; cosi owns these files whole.',
  ],
  [
    '/var/lib/cosi/',
    'State: what cosi manages, the values it found before its first change (restored when a setting leaves the document), backups, and the journal of an apply in progress.',
  ],
  [
    '/run/cosi/',
    "The lock that keeps two applies from running at once, and the agent's sockets cosi.sock (read) and cosi-admin.sock (root).",
  ],
  ['/var/run/reboot-required', 'Written when an applied change owes a reboot.'],
];

/** environmentDocs are the environment variables cosi reads. */
export const environmentDocs: readonly (readonly [string, string])[] = [
  ['NO_COLOR', 'When set and not empty, no colors.'],
  ['COSI_DEBUG', 'When set, an internal error also prints its stack.'],
];

/** overview is the first paragraph of cosi(8) and of the global help. */
export const overview =
  'cosi is a declarative configuration engine for the Linux nodes that run Kubernetes. One YAML document describes a node: OS packages, kernel modules, sysctls, systemd units, the container runtime and its socket, CNI plugins and networks, CSI driver prerequisites, seccomp and AppArmor profiles, kernel arguments. cosi probes the node read-only, plans the ordered changes, and applies them safely: atomic writes, a lock, a journal, and re-running converges.';

/** exitSummary is the common meaning of cosi's exit codes. */
export const exitSummary: readonly (readonly [number, string])[] = [
  [0, 'Success, and nothing to change.'],
  [1, 'An error: an invalid document, a failed probe, a failed apply, a usage mistake.'],
  [2, 'Success with changes pending (plan --detailed-exitcode, and drift).'],
];

/** usage is the text of `cosi --help`. */
export const usage = `cosi — declarative configuration for Kubernetes nodes

Usage:
  cosi validate [CONFIG]                       check a document offline
  cosi plan [CONFIG] [--out PLAN] [--json] [--detailed-exitcode]
                                               show the changes the node needs (read-only)
  cosi apply [CONFIG | PLAN] [--auto-approve] [--json] [--lock-timeout SECONDS]
                                               make the node match the document
  cosi drift [CONFIG] [--json] [--textfile FILE]
                                               report differences (exit 2 when any), for cron
  cosi facts [--json]                          what cosi reads from the node
  cosi schema                                  print the document's JSON Schema
  cosi cloud-init [CONFIG] [--install image|npm:SPEC|URL]
                                               print #cloud-config user-data for a node's first boot

CONFIG defaults to /etc/cosi/config.yaml under --root.

Options:
  --root DIR        the node's root directory (a DaemonSet mounts the host at /host)
  --patch FILE      apply an RFC 6902 JSON Patch to the document first (repeatable)
  --json            machine-readable output
  --no-color        no colors (also when NO_COLOR is set)
  -h, --help        this help
  --version         print cosi's version

Exit codes: 0 success and nothing to change; 1 error; 2 success with changes pending.
`;

/**
 * moduleKeyPrefixes maps sysctl key prefixes to the kernel module that provides them: the key exists only
 * once the module is loaded, so the sysctl must be set after it, at apply and at boot.
 */
export const moduleKeyPrefixes: ReadonlyArray<{prefix: string; module: string}> = [
  {prefix: 'net.bridge.', module: 'br_netfilter'},
  {prefix: 'net.netfilter.nf_conntrack_', module: 'nf_conntrack'},
  {prefix: 'net.nf_conntrack_max', module: 'nf_conntrack'},
  {prefix: 'net.ipv4.vs.', module: 'ip_vs'},
  {prefix: 'net.ipv4.netfilter.ip_conntrack_', module: 'nf_conntrack'},
  {prefix: 'net.netfilter.nf_flowtable_', module: 'nf_flow_table'},
  {prefix: 'net.sctp.', module: 'sctp'},
  {prefix: 'fs.nfs.nlm_', module: 'lockd'},
  {prefix: 'fs.nfs.nsm_', module: 'lockd'},
  {prefix: 'fs.nfs.', module: 'nfs'},
  {prefix: 'sunrpc.', module: 'sunrpc'},
];

/** providingModule returns the module that provides a sysctl key, when one is known. */
export function providingModule(name: string): string | undefined {
  return moduleKeyPrefixes.find((entry) => name.startsWith(entry.prefix))?.module;
}

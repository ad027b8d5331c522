/**
 * kconfigSymbols maps modules that Kubernetes nodes commonly need to the kernel configuration symbol that builds
 * them. Used only when the running kernel has no module directory to say what exists (containers, microVMs): the
 * kernel's configuration then tells built-in (`=y`), modular (`=m`) or absent.
 */
export const kconfigSymbols: Readonly<Record<string, string>> = {
  br_netfilter: 'CONFIG_BRIDGE_NETFILTER',
  bridge: 'CONFIG_BRIDGE',
  overlay: 'CONFIG_OVERLAY_FS',
  nf_conntrack: 'CONFIG_NF_CONNTRACK',
  nf_conntrack_netlink: 'CONFIG_NF_CT_NETLINK',
  nf_nat: 'CONFIG_NF_NAT',
  nf_tables: 'CONFIG_NF_TABLES',
  ip_tables: 'CONFIG_IP_NF_IPTABLES',
  iptable_filter: 'CONFIG_IP_NF_FILTER',
  iptable_nat: 'CONFIG_IP_NF_NAT',
  iptable_mangle: 'CONFIG_IP_NF_MANGLE',
  ip6_tables: 'CONFIG_IP6_NF_IPTABLES',
  x_tables: 'CONFIG_NETFILTER_XTABLES',
  xt_conntrack: 'CONFIG_NETFILTER_XT_MATCH_CONNTRACK',
  xt_set: 'CONFIG_NETFILTER_XT_SET',
  ip_set: 'CONFIG_IP_SET',
  ip_vs: 'CONFIG_IP_VS',
  ip_vs_rr: 'CONFIG_IP_VS_RR',
  ip_vs_wrr: 'CONFIG_IP_VS_WRR',
  ip_vs_sh: 'CONFIG_IP_VS_SH',
  veth: 'CONFIG_VETH',
  vxlan: 'CONFIG_VXLAN',
  geneve: 'CONFIG_GENEVE',
  ipip: 'CONFIG_NET_IPIP',
  tun: 'CONFIG_TUN',
  dummy: 'CONFIG_DUMMY',
  macvlan: 'CONFIG_MACVLAN',
  ipvlan: 'CONFIG_IPVLAN',
  '8021q': 'CONFIG_VLAN_8021Q',
  bonding: 'CONFIG_BONDING',
  wireguard: 'CONFIG_WIREGUARD',
  sctp: 'CONFIG_IP_SCTP',
  ipv6: 'CONFIG_IPV6',
  sch_htb: 'CONFIG_NET_SCH_HTB',
  cls_bpf: 'CONFIG_NET_CLS_BPF',
  tls: 'CONFIG_TLS',
  fuse: 'CONFIG_FUSE_FS',
  nfs: 'CONFIG_NFS_FS',
  nfsd: 'CONFIG_NFSD',
  xfs: 'CONFIG_XFS_FS',
  btrfs: 'CONFIG_BTRFS_FS',
  ext4: 'CONFIG_EXT4_FS',
  squashfs: 'CONFIG_SQUASHFS',
  erofs: 'CONFIG_EROFS_FS',
  loop: 'CONFIG_BLK_DEV_LOOP',
  nbd: 'CONFIG_BLK_DEV_NBD',
  rbd: 'CONFIG_BLK_DEV_RBD',
  dm_mod: 'CONFIG_BLK_DEV_DM',
  dm_thin_pool: 'CONFIG_DM_THIN_PROVISIONING',
  iscsi_tcp: 'CONFIG_ISCSI_TCP',
  vhost_net: 'CONFIG_VHOST_NET',
  vhost_vsock: 'CONFIG_VHOST_VSOCK',
  configfs: 'CONFIG_CONFIGFS_FS',
  floppy: 'CONFIG_BLK_DEV_FD',
  pcspkr: 'CONFIG_INPUT_PCSPKR',
};

/** KconfigValue is how a kernel configuration builds a symbol. */
export type KconfigValue = 'y' | 'm' | 'n';

/** parseKconfig reads a kernel `.config` (`CONFIG_X=y`, `# CONFIG_X is not set`) into symbol -> y/m/n. Pure. */
export function parseKconfig(text: string): Map<string, KconfigValue> {
  const out = new Map<string, KconfigValue>();
  for (const line of text.split('\n')) {
    const set = /^(CONFIG_\w+)=(y|m)\s*$/.exec(line);
    if (set) out.set(set[1]!, set[2] as KconfigValue);
    const unset = /^# (CONFIG_\w+) is not set/.exec(line);
    if (unset) out.set(unset[1]!, 'n');
  }
  return out;
}

/**
 * moduleWitnesses are node paths that exist only while a module's code is in the kernel (its sysctl directory, its
 * file system type). With the module absent from /proc/modules, a witness proves it is built in.
 */
export const moduleWitnesses: Readonly<Record<string, string>> = {
  br_netfilter: '/proc/sys/net/bridge',
  nf_conntrack: '/proc/sys/net/netfilter/nf_conntrack_max',
  ip_vs: '/proc/sys/net/ipv4/vs',
  sctp: '/proc/sys/net/sctp',
  ipv6: '/proc/sys/net/ipv6',
};

/** filesystemModules are modules that register a file system type of the same name, seen in /proc/filesystems. */
export const filesystemModules: ReadonlySet<string> = new Set([
  'overlay',
  'fuse',
  'nfs',
  'nfs4',
  'xfs',
  'btrfs',
  'ext4',
  'squashfs',
  'erofs',
  'configfs',
  'cifs',
  'ceph',
]);

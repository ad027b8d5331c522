/**
 * SysctlKey is a kernel parameter name split into its components, which may themselves contain dots
 * (`net/ipv6/conf/eth0.100/disable_ipv6` has the component `eth0.100`).
 */
export interface SysctlKey {
  readonly parts: readonly string[];
  /** Canonical name, sysctl(8)'s dot form with `/` standing for a dot inside a component: `net.ipv6.conf.eth0/100.disable_ipv6`. */
  readonly name: string;
  /** Path under /proc/sys. */
  readonly procPath: string;
  /** The form written to sysctl.d files: slash form when a component holds a dot, else dot form. */
  readonly fileForm: string;
}

/**
 * parseSysctlKey accepts both forms systemd-sysctl and sysctl(8) accept: dot form (`net.ipv4.ip_forward`, where
 * a `/` stands for a dot inside a component) and slash form (`net/ipv4/conf/eth0.100/forwarding`, chosen when the
 * first separator is a slash). Returns undefined for an empty component.
 */
export function parseSysctlKey(text: string): SysctlKey | undefined {
  const firstSlash = text.indexOf('/');
  if (firstSlash === -1) {
    // Dot form without slashes, the common case: the text is already the canonical name and the file form.
    const parts = text.split('.');
    return parts.includes('')
      ? undefined
      : {parts, name: text, procPath: `/proc/sys/${parts.join('/')}`, fileForm: text};
  }
  const firstDot = text.indexOf('.');
  const slashForm = firstSlash !== -1 && (firstDot === -1 || firstSlash < firstDot);
  const parts = slashForm ? text.split('/') : text.split('.').map((part) => part.replace(/\//g, '.'));
  if (parts.length === 0 || parts.some((part) => part === '' || part === '.' || part === '..')) return undefined;
  const name = parts.map((part) => part.replace(/\./g, '/')).join('.');
  return {
    parts,
    name,
    procPath: `/proc/sys/${parts.join('/')}`,
    fileForm: parts.some((part) => part.includes('.')) ? parts.join('/') : parts.join('.'),
  };
}

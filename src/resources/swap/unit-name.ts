/**
 * swapUnitName is the unit systemd gives a swap device or file: `systemd-escape --path --suffix=swap` (unit-name.c's
 * unit_name_from_path): the path simplified, `/` between components as `-`, every byte other than letters, digits,
 * `:`, `_` and a non-leading `.` as `\xNN`. `/dev/disk/by-uuid/1a2b-3c4d` -> `dev-disk-by\x2duuid-1a2b\x2d3c4d.swap`.
 * Pure.
 */
export function swapUnitName(path: string): string {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0) return '-.swap';
  const escaped = [...new TextEncoder().encode(parts.join('/'))].map((byte, i) => {
    const c = String.fromCharCode(byte);
    if (c === '/') return '-';
    if (/[A-Za-z0-9:_]/.test(c) || (c === '.' && i > 0)) return c;
    return `\\x${byte.toString(16).padStart(2, '0')}`;
  });
  return `${escaped.join('')}.swap`;
}

const tagDirs: Readonly<Record<string, string>> = {
  UUID: 'by-uuid',
  LABEL: 'by-label',
  PARTUUID: 'by-partuuid',
  PARTLABEL: 'by-partlabel',
};

/**
 * fstabNode turns an fstab source (`UUID=…`, `LABEL=…`, `PARTUUID=…`, `PARTLABEL=…` or a path) into the device path
 * systemd-fstab-generator names the unit after (fstab_node_to_udev_node): the tag's /dev/disk/by-* link, `/` and
 * space in the value escaped as `\x2f` and `\x20`. Undefined for a source that is neither a tag nor a path. Pure.
 */
export function fstabNode(source: string): string | undefined {
  const eq = source.indexOf('=');
  const tag = eq > 0 ? source.slice(0, eq) : '';
  if (Object.hasOwn(tagDirs, tag)) {
    const value = source.slice(eq + 1).replace(/^"(.*)"$/, '$1');
    if (value === '') return undefined;
    return `/dev/disk/${tagDirs[tag]}/${value.replace(/\//g, '\\x2f').replace(/ /g, '\\x20')}`;
  }
  return source.startsWith('/') ? source : undefined;
}

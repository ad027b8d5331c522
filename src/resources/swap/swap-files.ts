/** ActiveSwap is one line of /proc/swaps: the device or file and its kind, size and use in KiB. */
export interface ActiveSwap {
  readonly path: string;
  readonly type: string;
  readonly sizeKiB: number;
  readonly usedKiB: number;
}

/** FstabSwap is one swap entry of /etc/fstab. */
export interface FstabSwap {
  readonly source: string;
  /** The device path the generator names its unit after; undefined for a source it ignores. */
  readonly node?: string;
  readonly options: readonly string[];
  readonly line: number;
}

/** unescapeOctal decodes the `\NNN` escapes /proc/swaps and fstab use for blanks in paths. Pure. */
export function unescapeOctal(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** parseProcSwaps reads /proc/swaps (a header, then `Filename Type Size Used Priority`); paths must be absolute. Pure. */
export function parseProcSwaps(text: string): ActiveSwap[] {
  const out: ActiveSwap[] = [];
  for (const line of text.split('\n').slice(1)) {
    const [path, type, size, used] = line.trim().split(/\s+/);
    if (!path || !path.startsWith('/') || !type) continue;
    const decoded = unescapeOctal(path).replace(/ \(deleted\)$/, '');
    if (decoded.includes('\0')) continue;
    out.push({path: decoded, type, sizeKiB: Number(size) || 0, usedKiB: Number(used) || 0});
  }
  return out;
}

/** parseFstabSwaps reads the entries of /etc/fstab whose type is `swap` (comments and blank lines skipped). Pure. */
export function parseFstabSwaps(text: string, node: (source: string) => string | undefined): FstabSwap[] {
  const out: FstabSwap[] = [];
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [source, , type, options] = line.split(/\s+/);
    if (!source || type !== 'swap') continue;
    const decoded = unescapeOctal(source);
    const found = node(decoded);
    out.push({
      source: decoded,
      ...(found !== undefined ? {node: found} : {}),
      options: (options ?? 'defaults').split(','),
      line: index + 1,
    });
  }
  return out;
}

/** unitWhat reads the `What=` of a `.swap` unit file (the last one in `[Swap]` wins), unescaped. Pure. */
export function unitWhat(text: string): string | undefined {
  let section = '';
  let what: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('[')) section = line;
    else if (section === '[Swap]' && /^What\s*=/.test(line)) what = line.slice(line.indexOf('=') + 1).trim();
  }
  return what && what.startsWith('/') ? what : undefined;
}

/**
 * zramSwapDevices lists the zram devices a zram-generator configuration makes swap on: its `[zramN]` sections,
 * except those with a `mount-point` (a file system, not swap). `texts` are the files in the order the generator
 * reads them; a later file's keys override. Pure.
 */
export function zramSwapDevices(texts: readonly string[]): string[] {
  const mounts = new Map<string, boolean>();
  for (const text of texts) {
    let section: string | undefined;
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      const header = /^\[(zram\d{1,4})\]$/.exec(line);
      if (header) {
        section = header[1]!;
        if (!mounts.has(section)) mounts.set(section, false);
      } else if (line.startsWith('[')) section = undefined;
      else if (section && /^mount-point\s*=/.test(line))
        mounts.set(section, line.slice(line.indexOf('=') + 1).trim() !== '');
    }
  }
  return [...mounts]
    .filter(([, mount]) => !mount)
    .map(([device]) => device)
    .sort();
}

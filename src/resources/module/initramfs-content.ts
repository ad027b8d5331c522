import {cosiModprobeEntries} from './modprobe-d.js';
import {parseModulesLoadFile} from './modules-load-d.js';
import type {InitramfsTool} from './initramfs-tool.js';
import {copiesModulesLoad} from './initramfs-tool.js';

/**
 * CosiFilesContent is what cosi's two files hold, in canonical form: the lines of /etc/modprobe.d/cosi.conf by
 * module (modules sorted, none without lines) and the modules of /etc/modules-load.d/cosi.conf (sorted). Comments and
 * layout are left out, so that the same settings always compare equal.
 */
export interface CosiFilesContent {
  readonly modprobe: Readonly<Record<string, readonly string[]>>;
  readonly load: readonly string[];
}

/** InitramfsRecord is what cosi remembers of the last rebuild it ran: the tool, and what cosi's files held then. */
export interface InitramfsRecord extends CosiFilesContent {
  readonly tool: InitramfsTool;
}

/** canonicalContent builds the canonical form from module -> lines and the modules to load. Pure. */
export function canonicalContent(
  modprobe: ReadonlyMap<string, readonly string[]>,
  load: Iterable<string>,
): CosiFilesContent {
  const out: Record<string, readonly string[]> = {};
  for (const name of [...modprobe.keys()].sort()) {
    const lines = modprobe.get(name)!;
    if (lines.length > 0) out[name] = [...lines];
  }
  return {modprobe: out, load: [...new Set(load)].sort()};
}

/** contentOfFiles reads the canonical form out of the two files' text (undefined: the file does not exist). Pure. */
export function contentOfFiles(modprobeText: string | undefined, loadText: string | undefined): CosiFilesContent {
  return canonicalContent(
    cosiModprobeEntries(modprobeText ?? ''),
    parseModulesLoadFile(loadText ?? '').map((e) => e.module),
  );
}

/**
 * carriedLines lists what of cosi's files the tool's initramfs carries, one string per line, as `FILE: LINE`: the
 * modprobe.d lines always, the modules-load.d entries only for dracut. Pure.
 */
export function carriedLines(tool: InitramfsTool, content: CosiFilesContent): string[] {
  const lines = Object.values(content.modprobe).flatMap((l) => l.map((line) => `/etc/modprobe.d/cosi.conf: ${line}`));
  if (copiesModulesLoad(tool)) lines.push(...content.load.map((m) => `/etc/modules-load.d/cosi.conf: ${m}`));
  return lines;
}

const tools: ReadonlySet<string> = new Set<InitramfsTool>(['update-initramfs', 'dracut']);

function stringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

/**
 * parseInitramfsRecord checks the `applied` value of cosi's state for `module.initramfs` (state is an input from
 * the node): the record, or undefined when it does not have the shape cosi writes (the rebuild is then planned
 * again, which is always safe). Pure.
 */
export function parseInitramfsRecord(value: unknown): InitramfsRecord | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const {tool, modprobe, load} = value as Record<string, unknown>;
  if (typeof tool !== 'string' || !tools.has(tool) || !stringList(load)) return undefined;
  if (modprobe === null || typeof modprobe !== 'object' || Array.isArray(modprobe)) return undefined;
  const lines = new Map<string, string[]>();
  for (const [name, l] of Object.entries(modprobe as Record<string, unknown>)) {
    if (!stringList(l)) return undefined;
    lines.set(name, l);
  }
  return {tool: tool as InitramfsTool, ...canonicalContent(lines, load)};
}

import type {Host} from '../../host/host.js';
import {filesystemModules, moduleWitnesses} from './kconfig.js';
import {cosiModprobeFile, parseModprobeFile} from './modprobe-d.js';
import {cosiModulesLoadFile, parseModulesLoadFile} from './modules-load-d.js';
import {parseModulesBuiltin} from './modules-dep.js';
import {inUse, parseProcModules} from './proc-modules.js';
import {initramfsFacts} from './initramfs-tool.js';

/**
 * moduleFacts reports the kernel's modules for `cosi facts`: whether it loads modules at all, the loaded ones with
 * their parameters, reference count, holders and whether they are in use, the built-in ones (modules.builtin, or
 * /sys/module entries without an initstate, module sysctls and file systems when the kernel has no module
 * directory), cosi's persisted files, and the initramfs tool with its images (or why cosi rebuilds none).
 * Read-only.
 */
export async function moduleFacts({host}: {host: Host}): Promise<Record<string, unknown>> {
  const kernel = (await host.readText('/proc/sys/kernel/osrelease'))?.trim() ?? 'unknown';
  const procModules = await host.readText('/proc/modules');
  const loaded: Record<string, unknown> = {};
  for (const m of parseProcModules(procModules ?? '').values()) {
    loaded[m.name] = {
      inUse: inUse(m),
      refcount: m.refcount,
      holders: m.holders,
      parameters: await parameters(host, m.name),
    };
  }
  const {builtin, builtinSource} = await builtinModules(host, kernel, loaded);
  const builtinParameters: Record<string, unknown> = {};
  for (const name of builtin) {
    const values = await parameters(host, name);
    if (Object.keys(values).length > 0) builtinParameters[name] = values;
  }
  return {
    kernel,
    loadableModules: procModules !== undefined,
    loaded,
    builtin,
    builtinSource,
    builtinParameters,
    persisted: {
      [cosiModulesLoadFile]: parseModulesLoadFile((await host.readText(cosiModulesLoadFile)) ?? '').map(
        (e) => e.module,
      ),
      [cosiModprobeFile]: parseModprobeFile((await host.readText(cosiModprobeFile)) ?? '').map((d) => d.text),
    },
    initramfs: await initramfsFacts(host),
  };
}

/**
 * builtinModules lists the kernel's built-in modules and where the list comes from: modules.builtin under the first
 * module directory that has one, or else {@link sysModuleBuiltins}.
 */
async function builtinModules(
  host: Host,
  kernel: string,
  loaded: Record<string, unknown>,
): Promise<{builtin: string[]; builtinSource: string}> {
  for (const base of ['/lib/modules', '/usr/lib/modules']) {
    const text = await host.readText(`${base}/${kernel}/modules.builtin`);
    if (text === undefined) continue;
    return {builtin: [...parseModulesBuiltin(text)].sort(), builtinSource: `${base}/${kernel}/modules.builtin`};
  }
  return {
    builtin: await sysModuleBuiltins(host, loaded),
    builtinSource: '/sys/module (entries without an initstate), module sysctls and /proc/filesystems',
  };
}

/**
 * sysModuleBuiltins finds the built-in modules of a kernel without a module directory: /sys/module entries without an
 * initstate, then the modules whose sysctl or file system shows them (built-in modules without parameters have no
 * /sys/module entry). Sorted.
 */
async function sysModuleBuiltins(host: Host, loaded: Record<string, unknown>): Promise<string[]> {
  const builtin: string[] = [];
  for (const name of (await host.readDir('/sys/module')) ?? []) {
    if (loaded[name]) continue;
    const entries = await host.readDir(`/sys/module/${name}`);
    if (entries && !entries.includes('initstate')) builtin.push(name);
  }
  const filesystems = new Set(
    ((await host.readText('/proc/filesystems')) ?? '').split('\n').map((l) => l.trim().split(/\s+/).pop() ?? ''),
  );
  for (const [name, witness] of Object.entries(moduleWitnesses))
    if (!loaded[name] && !builtin.includes(name) && (await host.stat(witness))) builtin.push(name);
  for (const name of filesystemModules)
    if (!loaded[name] && !builtin.includes(name) && filesystems.has(name)) builtin.push(name);
  return builtin.sort();
}

async function parameters(host: Host, name: string): Promise<Record<string, string>> {
  const dir = `/sys/module/${name}/parameters`;
  const out: Record<string, string> = {};
  for (const p of (await host.readDir(dir)) ?? []) {
    try {
      const value = await host.readText(`${dir}/${p}`);
      if (value !== undefined) out[p] = value.replace(/\n$/, '');
    } catch {
      // Write-only parameters (mode 0200) are left out.
    }
  }
  return out;
}

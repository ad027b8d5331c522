import type {DesiredModule} from '../../config/desired-state.js';
import type {BootNote} from '../../plan/change.js';
import {address} from '../../plan/resource-kind.js';
import {bootModule, type Place} from './boot-view.js';
import {cmdlineFile} from './kernel-cmdline.js';
import {cosiModprobeFile, parseModprobeFile} from './modprobe-d.js';
import {cosiModulesLoadFile} from './modules-load-d.js';
import {sameParameterValue} from './parameter-value.js';
import type {ModuleObserved} from './probe.js';

/**
 * bootNotesFor tells where the next boot will not give a module what the document asks, given cosi's files as
 * apply will leave them, and names the file that decides: a `blacklist` elsewhere (systemd-modules-load skips
 * blacklisted modules), an earlier `install` line (kmod runs the first one instead of loading), a later `options`
 * line or the kernel command line overriding a parameter. Pure.
 */
export function bootNotesFor(request: {
  name: string;
  want: DesiredModule;
  lines: readonly string[];
  expectLoad: boolean;
  observed: ModuleObserved;
}): BootNote[] {
  const {name, want, lines, expectLoad, observed} = request;
  const addr = address('module', name);
  const probeFiles = withOwn(observed.probeFiles, {
    path: cosiModprobeFile,
    directives: parseModprobeFile(lines.join('\n')),
  });
  const loadFiles = withOwn(observed.loadFiles, {
    path: cosiModulesLoadFile,
    entries: expectLoad ? [{module: name, line: 2}] : [],
  });
  const boot = bootModule({module: name, loadFiles, probeFiles, cmdline: observed.cmdline});
  const notes: BootNote[] = [];
  const note = (place: Place, message: string) =>
    notes.push({address: addr, file: place.file, message: `${at(place)} ${message}`});

  if (want.state === 'loaded') {
    for (const place of boot.blacklistedBy) {
      if (place.file === cosiModprobeFile) continue;
      note(
        place,
        `blacklists ${name}: systemd-modules-load skips blacklisted modules, so ${name} is not loaded at boot (only when something asks for it by name)`,
      );
    }
    if (boot.install && boot.install.file !== cosiModprobeFile) {
      note(
        boot.install,
        `has \`install ${name} ${boot.install.command}\`, which kmod runs instead of loading ${name} (the first install line wins over ${cosiModprobeFile})`,
      );
    }
    for (const [p, v] of Object.entries(want.parameters)) {
      const winner = boot.parameters[p];
      if (winner && winner.file !== cosiModprobeFile && !sameParameterValue(winner.value, v)) {
        note(
          winner,
          `sets ${p}=${winner.value} after ${cosiModprobeFile}: ${name} gets ${p}=${winner.value} at boot, not ${v}`,
        );
      }
    }
  } else if (boot.install && boot.install.file !== cosiModprobeFile) {
    note(
      boot.install,
      `has \`install ${name} ${boot.install.command}\`, which kmod runs instead of cosi's \`install ${name} /bin/false\` when something loads ${name} by name (the first install line wins)`,
    );
  }
  return notes;
}

function at(place: Place): string {
  return place.file === cmdlineFile ? `the kernel command line (${cmdlineFile})` : `${place.file}:${place.line}`;
}

/** withOwn puts cosi's file among configuration files ordered by name; it hides any other file of the same name. */
function withOwn<T extends {path: string}>(files: readonly T[], own: T): T[] {
  const name = baseName(own.path);
  const others = files.filter((f) => baseName(f.path) !== name);
  const index = others.findIndex((f) => baseName(f.path) > name);
  return index === -1 ? [...others, own] : [...others.slice(0, index), own, ...others.slice(index)];
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

import test from 'ava';
import {mkdirSync} from 'node:fs';
import {join} from 'node:path';
import {makePlan} from '../../src/engine/make-plan.js';
import {emptyState} from '../../src/engine/state.js';
import {createHost, type Host} from '../../src/host/host.js';
import {HostError} from '../../src/host/host-error.js';
import {documentSections} from '../../src/resources/registry.js';
import {readConfigFile} from '../../src/resources/shared/read-config-file.js';
import {moduleProvider} from '../../src/resources/module/provider.js';
import {sysctlProvider} from '../../src/resources/sysctl/provider.js';
import {desiredFrom} from '../lib/document.js';
import {createFixtureRoot, kernelFiles} from '../lib/fixture-root.js';

// A file of a *.d directory that cannot be read (EACCES, EIO) is an error naming it, not "missing": the boot view
// would be wrong without it. Gone, a dangling path or a directory stay "missing", as systemd and kmod pass over them.
// Tests run as root, which reads a mode-000 file, so the OS error is injected in the host's readText.

function failing(host: Host, path: string, code: string): Host {
  return {
    ...host,
    readText: async (p) => {
      if (p === path) throw new HostError('read', p, host.root, Object.assign(new Error(code), {code}));
      return host.readText(p);
    },
  };
}

test('EACCES and EIO are errors naming the file; ENOENT, ENOTDIR and a directory are missing', async (t) => {
  const root = await createFixtureRoot({
    '/etc/sysctl.d/10-a.conf': 'vm.swappiness = 1\n',
    '/etc/sysctl.d/20-file': 'x\n',
  });
  t.teardown(() => root.cleanup());
  mkdirSync(join(root.dir, 'etc/sysctl.d/30-dir.conf'));
  const host = createHost({root: root.dir});
  t.is(await readConfigFile(host, '/etc/sysctl.d/10-a.conf'), 'vm.swappiness = 1\n');
  t.is(await readConfigFile(host, '/etc/sysctl.d/nosuch.conf'), undefined);
  t.is(await readConfigFile(host, '/etc/sysctl.d/20-file/x.conf'), undefined, 'ENOTDIR');
  t.is(await readConfigFile(host, '/etc/sysctl.d/30-dir.conf'), undefined, 'a directory is not a configuration file');
  for (const code of ['EACCES', 'EIO']) {
    const error = await t.throwsAsync(
      readConfigFile(failing(host, '/etc/sysctl.d/10-a.conf', code), '/etc/sysctl.d/10-a.conf'),
      {instanceOf: HostError},
    );
    t.regex(
      error!.message,
      new RegExp(`^cannot read /etc/sysctl\\.d/10-a\\.conf \\(under the root .*\\): .*\\(${code}\\)$`),
    );
  }
});

test('an unreadable sysctl.d or modprobe.d file makes the plan fail with a diagnostic naming it', async (t) => {
  const root = await createFixtureRoot({
    ...kernelFiles,
    '/etc/sysctl.d/10-a.conf': 'vm.swappiness = 1\n',
    '/etc/modprobe.d/blacklist.conf': 'blacklist floppy\n',
  });
  t.teardown(() => root.cleanup());
  const host = createHost({root: root.dir});
  const desired = desiredFrom({sysctls: {'vm.swappiness': 10}, modules: {floppy: {state: 'blocked'}}});
  const plan = (h: Host) =>
    makePlan({
      host: h,
      desired,
      state: emptyState,
      providers: [sysctlProvider, moduleProvider],
      sections: documentSections,
    });
  t.deepEqual(
    (await plan(host)).diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  const sysctl = await plan(failing(host, '/etc/sysctl.d/10-a.conf', 'EACCES'));
  t.deepEqual(
    sysctl.diagnostics.filter((d) => d.severity === 'error').map((d) => d.summary),
    [
      `probing sysctl resources failed: cannot read /etc/sysctl.d/10-a.conf (under the root ${root.dir}): permission denied (EACCES)`,
    ],
  );
  const modprobe = await plan(failing(host, '/etc/modprobe.d/blacklist.conf', 'EIO'));
  t.deepEqual(
    modprobe.diagnostics.filter((d) => d.severity === 'error').map((d) => d.summary),
    [
      `probing module resources failed: cannot read /etc/modprobe.d/blacklist.conf (under the root ${root.dir}): input/output error (EIO)`,
    ],
  );
});

test('CNI: an unreadable network file is an error naming it; a directory in confDir is no network', async (t) => {
  const {cniNetworkProvider} = await import('../../src/resources/cni/provider.js');
  const root = await createFixtureRoot({
    '/etc/cni/net.d/10-pods.conflist': '{"cniVersion": "1.0.0", "name": "pods", "plugins": [{"type": "bridge"}]}\n',
  });
  t.teardown(() => root.cleanup());
  mkdirSync(join(root.dir, 'etc/cni/net.d/20-dir.conflist'));
  const host = createHost({root: root.dir});
  const spec = {cni: {networks: {'10-pods': {cniVersion: '1.0.0', name: 'pods', plugins: [{type: 'bridge'}]}}}};
  const plan = (h: Host) =>
    makePlan({
      host: h,
      desired: desiredFrom(spec),
      state: emptyState,
      providers: [cniNetworkProvider],
      sections: documentSections,
    });
  t.deepEqual(
    (await plan(host)).diagnostics.filter((d) => d.severity === 'error'),
    [],
    'the directory is passed over',
  );
  const failed = await plan(failing(host, '/etc/cni/net.d/10-pods.conflist', 'EACCES'));
  t.regex(
    failed.diagnostics.map((d) => d.summary).join('\n'),
    /cannot read \/etc\/cni\/net\.d\/10-pods\.conflist \(under the root .*\): permission denied \(EACCES\)/,
  );
});

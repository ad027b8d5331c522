import test from 'ava';
import {mkdir, rename, symlink, writeFile, chmod} from 'node:fs/promises';
import {join} from 'node:path';
import {startAgent} from '../lib/agent-process.js';
import {createFixtureRoot, kernelFiles} from '../lib/fixture-root.js';
import {grubFiles} from '../lib/kernel-args-fixtures.js';

// The agent on a fixture root: a document mounted the way the kubelet mounts a ConfigMap (config.yaml -> ..data/
// config.yaml, ..data -> a timestamped directory, swapped by renaming a new ..data symlink over it) is applied soon
// after the swap, with a 10-minute interval; a change that owes a reboot (kernel arguments) is held back: the
// reboot-required file is written, the boot loader is left alone, and the other changes are applied.

const doc = (swappiness: number, args: string[] = []) =>
  [
    'apiVersion: cosi.dev/v1alpha1',
    'kind: NodeConfig',
    'metadata: {name: configmap}',
    'spec:',
    '  sysctls:',
    `    vm.swappiness: ${swappiness}`,
    ...(args.length > 0 ? ['  kernel:', `    args: [${args.join(', ')}]`] : []),
    '',
  ].join('\n');

/** mountConfigMap writes one version of a ConfigMap volume as the kubelet's atomic writer does. */
async function configMapVersion(dir: string, version: string, text: string): Promise<void> {
  await mkdir(join(dir, version));
  await writeFile(join(dir, version, 'config.yaml'), text);
  await chmod(join(dir, version, 'config.yaml'), 0o644);
  await symlink(version, join(dir, '..data_tmp'));
  await rename(join(dir, '..data_tmp'), join(dir, '..data'));
}

test('a ConfigMap ..data swap is reconciled at once; a change owing a reboot is held back with reboot-required written', async (t) => {
  const root = await createFixtureRoot({
    ...kernelFiles,
    ...grubFiles,
    '/etc/os-release': 'ID=debian\nVERSION_ID="12"\n',
  });
  t.teardown(() => root.cleanup());
  const configMap = join(root.dir, 'etc/cosi');
  await mkdir(configMap, {recursive: true});
  await configMapVersion(configMap, '..2026_12_01_00_00_00.1', doc(10));
  await symlink('..data/config.yaml', join(configMap, 'config.yaml'));
  const agent = await startAgent({root: root.dir, args: ['--interval', '10m'], waitFor: /"msg":"reconciled"/});
  t.teardown(() => agent.stop('SIGKILL'));
  t.is((await root.read('/proc/sys/vm/swappiness'))?.trim(), '10');

  const from = agent.log.length;
  const swapped = Date.now();
  await configMapVersion(configMap, '..2026_12_01_00_01_00.2', doc(20, ['mitigations=off']));
  await agent.waitFor(/"msg":"reconciled".*"trigger":"document"/, 10_000, from);
  const took = Date.now() - swapped;
  t.log(`applied ${took} ms after the ..data swap`);
  t.true(took < 5_000);
  t.is((await root.read('/proc/sys/vm/swappiness'))?.trim(), '20', 'the sysctl change is applied');
  t.regex(agent.log.slice(from).join('\n'), /changes held back: they owe a reboot.*kernel\.args/);
  t.is(await root.read('/var/run/reboot-required'), '*** System restart required ***\n');
  t.is(await root.read('/var/run/reboot-required.pkgs'), 'cosi\n');
  t.is(await root.read('/etc/default/grub.d/90-cosi.cfg'), undefined, 'nothing of the kernel arguments is applied');
  t.is(await root.read('/boot/grub/grub.cfg'), grubFiles['/boot/grub/grub.cfg']);
  t.is(await agent.stop(), 0);
});

import test from 'ava';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {runCliSync} from '../lib/run-cli.js';
import {createFixtureRoot, kernelFiles} from '../lib/fixture-root.js';

// cosi owns its files whole (SPEC §5): a line it did not write in 90-cosi.conf, modules-load.d/cosi.conf or
// modprobe.d/cosi.conf is drift of the node, named by plan and drift, and removed by apply.

const cosi = (args: string[]) => runCliSync(args);

const documentText =
  'apiVersion: cosi.dev/v1alpha1\nkind: NodeConfig\nmetadata: {name: n}\nspec:\n  sysctls:\n    vm.swappiness: 10\n';

test('foreign lines in each cosi-owned file are named by drift (cause: node) and removed by apply', async (t) => {
  const root = await createFixtureRoot({
    ...kernelFiles,
    '/proc/modules': '',
    '/proc/sys/kernel/core_pattern': 'core\n',
  });
  t.teardown(() => root.cleanup());
  const doc = join(root.dir, 'doc.yaml');
  writeFileSync(doc, documentText);
  t.is(cosi(['apply', doc, '--root', root.dir, '--auto-approve']).exitCode, 0);
  const own = (await root.read('/etc/sysctl.d/90-cosi.conf'))!;
  await root.write(
    '/etc/sysctl.d/90-cosi.conf',
    `${own}kernel.core_pattern = |/tmp/evil %p\nnet.ipv4.conf.*.rp_filter = 0\n`,
  );
  await root.write('/etc/modprobe.d/cosi.conf', '# Managed by cosi\ninstall usb_storage /bin/sh -c "touch /tmp/pwn"\n');
  await root.write('/etc/modules-load.d/cosi.conf', 'dccp\n');

  const drift = cosi(['drift', doc, '--root', root.dir, '--json']);
  t.is(drift.exitCode, 2, drift.stderr);
  const report = JSON.parse(drift.stdout) as {
    differences: Array<{address: string; cause: string}>;
    changes: Array<{address: string; action: string; reason: string}>;
  };
  t.deepEqual(report.differences.map((d) => `${d.address} ${d.cause}`).sort(), [
    'module.dccp node',
    'module.usb_storage node',
    'sysctl.kernel.core_pattern node',
    'sysctl.net.ipv4.conf.*.rp_filter node',
  ]);
  const core = report.changes.find((c) => c.address === 'sysctl.kernel.core_pattern')!;
  t.is(core.action, 'delete');
  t.regex(
    core.reason,
    /\/etc\/sysctl\.d\/90-cosi\.conf:3 is a line cosi did not write \(kernel\.core_pattern = \|\/tmp\/evil %p\)/,
  );
  t.regex(report.changes.find((c) => c.address === 'module.usb_storage')!.reason, /install usb_storage \/bin\/sh/);

  const apply = cosi(['apply', doc, '--root', root.dir, '--auto-approve']);
  t.is(apply.exitCode, 0, apply.stderr);
  t.is(await root.read('/etc/sysctl.d/90-cosi.conf'), own, 'only the lines cosi wrote are left');
  t.is(await root.read('/etc/modprobe.d/cosi.conf'), undefined);
  t.is(await root.read('/etc/modules-load.d/cosi.conf'), undefined);
  t.is((await root.read('/proc/sys/kernel/core_pattern'))?.trim(), 'core', 'the live value is left as it is');
  t.is(cosi(['drift', doc, '--root', root.dir]).exitCode, 0);
});

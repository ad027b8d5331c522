// Smoke test of the VM harness itself: a real Debian kernel with loadable modules, real systemd, the guest agent,
// and a reboot in between. If this fails, the cosi VM suites cannot be trusted either.
import test from 'ava';
import {Vm} from '../lib/vm/vm.js';

test('boots, runs commands, reboots and loads a kernel module', async (t) => {
  const vm = await Vm.boot({log: (line) => t.log(line)});
  t.teardown(() => vm.dispose());

  const uname = await vm.runOk(['uname', '-r']);
  t.is(uname.stdout.trim(), vm.kernelRelease);
  t.regex(uname.stdout, /-amd64$/m);

  // Exit codes, stdout, stderr and stdin round-trip; argv is not interpreted by a shell.
  const mixed = await vm.sh('echo out; echo err >&2; exit 3');
  t.like(mixed, {exitCode: 3, stdout: 'out\n', stderr: 'err\n'});
  t.is((await vm.run(['echo', '$HOME; false'])).stdout, '$HOME; false\n');
  t.is((await vm.run(['cat'], {stdin: 'a\nb'})).stdout, 'a\nb');
  t.is((await vm.run(['false'])).exitCode, 1);
  await t.throwsAsync(vm.run(['/no/such/command']), {message: /could not start/});
  t.is((await vm.run(['sleep', '30'], {timeoutMs: 1000})).timedOut, true);

  await vm.writeFile('/etc/cosi-harness/marker', 'before reboot\n');
  const firstBoot = vm.bootId;
  await vm.reboot();
  t.not(vm.bootId, firstBoot);
  t.is(await vm.readFile('/etc/cosi-harness/marker'), 'before reboot\n');

  t.is((await vm.runOk(['sh', '-c', 'test -d /lib/modules/$(uname -r) && echo ok'])).stdout, 'ok\n');
  await vm.runOk(['modprobe', 'dummy']);
  t.regex((await vm.runOk(['cat', '/proc/modules'])).stdout, /^dummy /m);
  t.is(
    (await vm.runOk(['systemctl', 'is-system-running'])).stdout.trim(),
    'running',
    (await vm.run(['systemctl', '--failed'])).stdout,
  );
  t.regex((await vm.runOk(['node', '--version'])).stdout, /^v\d+/);
  t.log(`boot times: ${vm.bootSeconds.map((s) => s.toFixed(1)).join(' s, ')} s`);
});

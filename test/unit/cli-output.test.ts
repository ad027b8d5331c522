import test from 'ava';
import {spawn} from 'node:child_process';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {cosiBin} from '../lib/run-cli.js';
import {createFixtureRoot, kernelFiles} from '../lib/fixture-root.js';

// cosi writes its output with write(2). When its standard output is a pipe that another process made non-blocking
// (a supervisor that set O_NONBLOCK on the pipe it hands its children), a full pipe answers EAGAIN: the rest must go
// out through Node's stream, whole and in order. (Node's own child processes get blocking standard streams: libuv
// resets them, so the parent that sets O_NONBLOCK here is python3, which execs node without touching it.)

test('output larger than a pipe holds, on a non-blocking pipe read slowly, arrives whole', async (t) => {
  const keys = 1500;
  const files: Record<string, string> = {...kernelFiles};
  const lines: string[] = [];
  for (let i = 0; i < keys; i++) {
    files[`/proc/sys/net/ipv4/conf/if${i}/forwarding`] = '0\n';
    lines.push(`    net.ipv4.conf.if${i}.forwarding: 1`);
  }
  const root = await createFixtureRoot(files);
  t.teardown(() => root.cleanup());
  const document = join(root.dir, 'config.yaml');
  writeFileSync(
    document,
    [
      'apiVersion: cosi.dev/v1alpha1',
      'kind: NodeConfig',
      'metadata: {name: big}',
      'spec:',
      '  sysctls:',
      ...lines,
      '',
    ].join('\n'),
  );
  const argv = [process.execPath, cosiBin, 'plan', document, '--root', root.dir, '--no-color'];
  const exec =
    'import fcntl, os, sys\nfcntl.fcntl(1, fcntl.F_SETFL, fcntl.fcntl(1, fcntl.F_GETFL) | os.O_NONBLOCK)\nos.write(1, b"parent\\n")\nos.execv(sys.argv[1], sys.argv[1:])';
  const child = spawn('python3', ['-c', exec, ...argv], {stdio: ['ignore', 'pipe', 'pipe']});
  child.stdout.pause();
  await new Promise((resolve) => setTimeout(resolve, 1500));
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdout.resume();
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  t.is(code, 0, stderr);
  t.true(stdout.length > 128 * 1024, `${stdout.length} bytes`);
  t.true(stdout.startsWith('parent\ncosi plan: node "big"'));
  t.true(stdout.trimEnd().endsWith(`Plan: ${keys} to create, 0 to update, 0 to delete.`), stdout.slice(-200));
  for (let i = 0; i < keys; i += 97) t.true(stdout.includes(`sysctl.net.ipv4.conf.if${i}.forwarding`), `if${i}`);
});

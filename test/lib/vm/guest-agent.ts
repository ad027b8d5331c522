/**
 * The guest agent: runs inside the VM as `cosi-vm-agent.service` and is never imported by the host.
 * It is compiled with the rest of the harness and copied into the guest's layer disk as `agent.mjs`, so it may
 * import only Node built-ins (type-only imports are erased).
 *
 * It opens `/dev/virtio-ports/cosi.agent`, says hello with the boot id, then reads JSON lines
 * ({@link AgentRequest}) and runs each argv WITHOUT a shell, answering with an {@link AgentResponse}.
 */
import {spawn} from 'node:child_process';
import {existsSync, openSync, read, readFileSync, writeSync} from 'node:fs';
import {release} from 'node:os';
import type {AgentHello, AgentRequest, AgentResponse} from './protocol.js';

/** runGuestAgent serves requests on the port at portPath until the process is stopped. */
export async function runGuestAgent(portPath: string): Promise<void> {
  while (!existsSync(portPath)) await new Promise((r) => setTimeout(r, 200));
  // A virtio port may be opened only once, so one fd serves both directions; reads block a pool thread.
  const fd = openSync(portPath, 'r+');
  const send = (message: AgentHello | AgentResponse) => {
    // The leading newline ends any line a previous agent left half-written before a reboot.
    const data = Buffer.from('\n' + JSON.stringify(message) + '\n');
    for (let off = 0; off < data.length;) off += writeSync(fd, data, off);
  };
  const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  send({hello: true, bootId, kernel: release()});

  let pending = '';
  const buf = Buffer.alloc(65536);
  for (;;) {
    const n = await new Promise<number>((res, rej) =>
      read(fd, buf, 0, buf.length, null, (e, count) => (e ? rej(e) : res(count))),
    );
    if (n === 0) {
      await new Promise((r) => setTimeout(r, 100)); // host not connected: nothing to read yet
      continue;
    }
    pending += buf.subarray(0, n).toString('utf8');
    let nl;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (line === '') continue;
      let request: AgentRequest;
      try {
        request = JSON.parse(line) as AgentRequest;
      } catch {
        continue; // garbage from a half-written line during a reconnect
      }
      void execute(request).then(send);
    }
  }
}

function execute(request: AgentRequest): Promise<AgentResponse> {
  return new Promise((resolve) => {
    const [file, ...args] = request.argv;
    const result: AgentResponse = {
      id: request.id,
      exitCode: null,
      signal: null,
      stdout: '',
      stderr: '',
      timedOut: false,
    };
    if (file === undefined) return resolve({...result, exitCode: 127, error: 'empty argv'});
    const child = spawn(file, args, {
      cwd: request.cwd ?? '/root',
      env: {...process.env, HOME: '/root', LANG: 'C.UTF-8', ...request.env},
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.stdin.on('error', () => {}); // the command may exit without reading its input
    child.stdin.end(request.stdin ?? '');
    const timer = request.timeoutMs
      ? setTimeout(() => {
          result.timedOut = true;
          child.kill('SIGKILL');
        }, request.timeoutMs)
      : undefined;
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({...result, exitCode: 127, error: String(e.message)});
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        ...result,
        exitCode: code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

if (process.argv[1]?.endsWith('agent.mjs')) {
  runGuestAgent(process.argv[2] ?? '/dev/virtio-ports/cosi.agent').catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

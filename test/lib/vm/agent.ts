import {connect, type Socket} from 'node:net';
import type {AgentHello, AgentMessage, AgentRequest, AgentResponse} from './protocol.js';

/** AgentClient is the host end of the guest agent's virtio-serial channel (qemu's unix socket). */
export class AgentClient {
  private buffer = '';
  private nextId = 1;
  private readonly pending = new Map<number, {resolve: (r: AgentResponse) => void; reject: (e: Error) => void}>();
  private readonly hellos: AgentHello[] = [];
  private helloWaiters: Array<() => void> = [];
  private closed = false;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.receive(chunk));
    socket.on('close', () => {
      this.closed = true;
      for (const {reject} of this.pending.values()) reject(new Error('the agent socket closed (qemu exited?)'));
      this.pending.clear();
      this.wakeHelloWaiters();
    });
    socket.on('error', () => {}); // 'close' follows and fails the pending requests
  }

  /** connect opens qemu's agent socket at path, retrying until qemu has created it or timeoutMs passes. */
  static async connect(path: string, timeoutMs: number): Promise<AgentClient> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const socket = await new Promise<Socket>((resolve, reject) => {
          const s = connect(path, () => resolve(s));
          s.once('error', reject);
        });
        return new AgentClient(socket);
      } catch (error) {
        if (Date.now() > deadline)
          throw new Error(`Expected qemu's agent socket ${path} within ${timeoutMs} ms: ${String(error)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /** waitForHello resolves with the first hello (agent start) whose boot id is not in `notBootIds`; rejects on timeout. */
  async waitForHello(timeoutMs: number, notBootIds: string[] = []): Promise<AgentHello> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hello = this.hellos.find((h) => !notBootIds.includes(h.bootId));
      if (hello) return hello;
      if (this.closed) throw new Error('the agent socket closed before the guest agent said hello (qemu exited?)');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`Expected the guest agent to say hello within ${timeoutMs} ms; it did not`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.helloWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** request sends one command to the guest and resolves with its response; rejects after timeoutMs (plus slack). */
  request(body: Omit<AgentRequest, 'id'>, timeoutMs: number): Promise<AgentResponse> {
    if (this.closed) return Promise.reject(new Error('the agent socket is closed (qemu exited?)'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`Expected an answer to \`${body.argv.join(' ')}\` within ${timeoutMs} ms; none came`));
      }, timeoutMs + 5000);
      this.pending.set(id, {
        resolve: (r) => (clearTimeout(timer), resolve(r)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.socket.write(JSON.stringify({id, ...body, timeoutMs}) + '\n');
    });
  }

  /** send writes a request without waiting for an answer (for commands that take the agent down, like reboot). */
  send(body: Omit<AgentRequest, 'id'>): void {
    this.socket.write(JSON.stringify({id: this.nextId++, ...body}) + '\n');
  }

  /** close ends the connection; pending requests fail. */
  close(): void {
    this.socket.destroy();
  }

  private receive(chunk: string): void {
    this.buffer += chunk;
    let nl;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (!line.startsWith('{')) continue;
      let message: AgentMessage;
      try {
        message = JSON.parse(line) as AgentMessage;
      } catch {
        continue;
      }
      if ('hello' in message) {
        this.hellos.push(message);
        this.wakeHelloWaiters();
      } else {
        this.pending.get(message.id)?.resolve(message);
        this.pending.delete(message.id);
      }
    }
  }

  private wakeHelloWaiters(): void {
    const waiters = this.helloWaiters;
    this.helloWaiters = [];
    for (const wake of waiters) wake();
  }
}

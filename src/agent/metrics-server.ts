import {createServer, type Server} from 'node:http';

/**
 * serveMetrics serves `/metrics` (Prometheus text exposition 0.0.4) and `/healthz` (200 while the agent serves its
 * sockets and its last reconcile did not fail more than `unhealthyAfter` times in a row) on HOST:PORT. Anything
 * else is 404; only GET and HEAD.
 */
export async function serveMetrics(request: {
  address: string;
  render: () => string;
  healthy: () => boolean;
}): Promise<Server> {
  const {host, port} = parseAddress(request.address);
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, {allow: 'GET, HEAD'}).end();
      return;
    }
    if (path === '/metrics') {
      res.writeHead(200, {'content-type': 'text/plain; version=0.0.4; charset=utf-8'}).end(request.render());
    } else if (path === '/healthz') {
      const ok = request.healthy();
      res.writeHead(ok ? 200 : 503, {'content-type': 'text/plain'}).end(ok ? 'ok\n' : 'unhealthy\n');
    } else res.writeHead(404, {'content-type': 'text/plain'}).end('not found\n');
  });
  server.keepAliveTimeout = 5_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      server.off('error', reject);
      resolve();
    };
    // No host: every address, IPv6 when the machine has it, else IPv4 (Node's rule).
    if (host === undefined) server.listen(port, done);
    else server.listen(port, host, done);
  });
  return server;
}

/** parseAddress reads HOST:PORT (`[::1]:9100`, `:9100` for every address). */
export function parseAddress(address: string): {host?: string; port: number} {
  const m = /^(\[[^\]]+\]|[^:]*):(\d{1,5})$/.exec(address);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535)
    throw new Error(`expected --metrics HOST:PORT (e.g. 127.0.0.1:9100), got ${JSON.stringify(address)}`);
  const host = m[1]!.replace(/^\[|\]$/g, '');
  return host === '' ? {port} : {host, port};
}

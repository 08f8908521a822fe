import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { localhostCertificate } from '../../test/support/self-signed';
import { createHttpTransport, HttpTransportError, type HttpTransport } from './http-transport';

describe('the HTTPS transport every outbound integration uses', () => {
  let server: Server;
  let base: string;
  let ca: string;
  const open: HttpTransport[] = [];
  const requestsOn = new WeakMap<object, number>();
  const handled: string[] = [];
  const make = (opts: Parameters<typeof createHttpTransport>[0]) => {
    const t = createHttpTransport(opts);
    open.push(t);
    return t;
  };

  beforeAll(async () => {
    const cert = await localhostCertificate();
    ca = cert.certPem;
    server = createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
      if (req.url === '/big') {
        res.end('x'.repeat(64 * 1024));
        return;
      }
      if (req.url === '/slow') return; // never answers
      if (req.url === '/drop-fresh') {
        req.socket.destroy(); // a connection reset before any answer, on a connection never used before
        return;
      }
      // The second request on a kept-alive connection finds it closed (the server timed it out as it arrived).
      const seen = (requestsOn.get(req.socket) ?? 0) + 1;
      requestsOn.set(req.socket, seen);
      handled.push(req.url ?? '');
      if (req.url?.startsWith('/closing') && seen === 2) {
        req.socket.destroy();
        return;
      }
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        res.setHeader('set-cookie', ['a=1', 'b=2']);
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ method: req.method, body, header: req.headers['x-test'] }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `https://localhost:${(server.address() as AddressInfo).port}`;
  });
  afterEach(() => {
    for (const t of open.splice(0)) t.close();
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('sends method, headers and body to a server signed by the extra CA, and returns status, headers and body', async () => {
    const res = await make({ ca }).send({ url: `${base}/echo`, method: 'POST', headers: { 'x-test': 'yes' }, body: '{"a":1}', timeoutMs: 2000 });
    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['set-cookie']).toBe('a=1, b=2');
    expect(JSON.parse(res.body)).toEqual({ method: 'POST', body: '{"a":1}', header: 'yes' });
  });

  it('refuses a server its trust store does not vouch for', async () => {
    await expect(make({}).send({ url: `${base}/echo`, method: 'GET', timeoutMs: 2000 })).rejects.toMatchObject({ failure: 'network' });
  });

  it('gives up on a server that does not answer in time', async () => {
    const err = await make({ ca }).send({ url: `${base}/slow`, method: 'GET', timeoutMs: 200 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpTransportError);
    expect(err).toMatchObject({ failure: 'timeout', name: 'TimeoutError' });
  });

  it('refuses an answer larger than the configured limit', async () => {
    await expect(make({ ca, maxResponseBytes: 1024 }).send({ url: `${base}/big`, method: 'GET', timeoutMs: 2000 })).rejects.toMatchObject({
      failure: 'too_large',
    });
  });

  it('a request that finds its kept-alive connection closed by the server goes again on a new one, once', async () => {
    const t = make({ ca });
    expect((await t.send({ url: `${base}/closing-1`, method: 'GET', timeoutMs: 2000 })).status).toBe(201);
    handled.length = 0;
    const again = await t.send({ url: `${base}/closing-2`, method: 'POST', body: '{"n":2}', timeoutMs: 2000 });
    expect(again.status).toBe(201);
    expect(JSON.parse(again.body)).toMatchObject({ method: 'POST', body: '{"n":2}' });
    // Dropped unanswered on the old connection, answered on the new one.
    expect(handled).toEqual(['/closing-2', '/closing-2']);
  });

  it('a connection reset on a new connection is a network failure, not tried again', async () => {
    await expect(make({ ca }).send({ url: `${base}/drop-fresh`, method: 'GET', timeoutMs: 2000 })).rejects.toMatchObject({
      failure: 'network', message: expect.stringMatching(/ECONNRESET|socket hang up/),
    });
  });

  it('refuses schemes other than http and https', async () => {
    await expect(make({}).send({ url: 'file:///etc/passwd', method: 'GET', timeoutMs: 2000 })).rejects.toMatchObject({ failure: 'network' });
  });
});

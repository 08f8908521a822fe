import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { localhostCertificate } from '../../test/support/self-signed';
import { createHttpTransport, HttpTransportError, type HttpTransport } from './http-transport';

describe('the HTTPS transport every outbound integration uses', () => {
  let server: Server;
  let base: string;
  let ca: string;
  const open: HttpTransport[] = [];
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

  it('refuses schemes other than http and https', async () => {
    await expect(make({}).send({ url: 'file:///etc/passwd', method: 'GET', timeoutMs: 2000 })).rejects.toMatchObject({ failure: 'network' });
  });
});

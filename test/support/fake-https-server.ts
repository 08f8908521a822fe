// The plumbing shared by the fake outside services (Graph, SMS, breached
// passwords): an HTTPS server on loopback with a self-signed certificate, a
// log of every request as received, and per-route fault injection.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { localhostCertificate } from './self-signed';

/**
 * What a route does instead of answering normally, for the next `times` calls
 * (default 1; `Infinity` for "until cleared").
 * - `{ status: 429, retryAfter: 2 }`: throttled, with a Retry-After header in seconds;
 * - `{ status: 503 }` or any other status: that status with the service's usual error body;
 * - `{ status: 200, body: '<html>…' }`: that status with exactly this body (a captive portal, a broken proxy);
 * - `{ hang: true }`: accept the request and never answer (for timeouts).
 */
export type FakeFault =
  | { status: number; retryAfter?: number; body?: string; times?: number }
  | { hang: true; times?: number };

export interface RecordedRequest {
  method: string;
  /** Path and query exactly as requested. */
  url: string;
  /** The route name the fake matched, or 'unknown'. */
  route: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Status answered, or 'hung' for an injected hang. */
  status: number | 'hung';
}

export class FaultBook<Route extends string> {
  private readonly pending = new Map<string, { fault: FakeFault; left: number }[]>();

  inject(route: Route | '*', fault: FakeFault): void {
    const list = this.pending.get(route) ?? [];
    list.push({ fault, left: fault.times ?? 1 });
    this.pending.set(route, list);
  }

  clear(): void {
    this.pending.clear();
  }

  /** The fault to apply to this call of `route`, if any, counting it down. */
  take(route: string): FakeFault | undefined {
    for (const key of [route, '*']) {
      const list = this.pending.get(key);
      const head = list?.[0];
      if (!list || !head) continue;
      head.left -= 1;
      if (head.left <= 0) list.shift();
      return head.fault;
    }
    return undefined;
  }
}

export interface FakeExchange {
  req: IncomingMessage;
  res: ServerResponse;
  body: string;
  url: URL;
}

export type FakeHandler = (x: FakeExchange) => { route: string; respond: () => void } | undefined;

export interface FakeHttpsServer {
  url: string;
  port: number;
  caPem: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startFakeHttpsServer<Route extends string>(
  faults: FaultBook<Route>,
  errorBody: (status: number) => unknown,
  handle: FakeHandler,
): Promise<FakeHttpsServer> {
  const { certPem, keyPem } = await localhostCertificate();
  const requests: RecordedRequest[] = [];

  const server: Server = createServer({ cert: certPem, key: keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'https://localhost');
      const record: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', route: 'unknown', headers: { ...req.headers }, body, status: 0 };
      requests.push(record);
      res.on('finish', () => (record.status = res.statusCode));

      const matched = handle({ req, res, body, url });
      if (!matched) {
        sendJson(res, 404, errorBody(404));
        return;
      }
      record.route = matched.route;
      const fault = faults.take(matched.route);
      if (fault && 'hang' in fault) {
        record.status = 'hung';
        return;
      }
      if (fault) {
        const headers: Record<string, string> = fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {};
        if (fault.body !== undefined) {
          res.writeHead(fault.status, headers);
          res.end(fault.body);
          return;
        }
        sendJson(res, fault.status, errorBody(fault.status), headers);
        return;
      }
      matched.respond();
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://localhost:${port}`,
    port,
    caPem: certPem,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        // Hung requests would otherwise keep the server open forever.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { ...(text ? { 'content-type': 'application/json' } : {}), ...headers });
  res.end(text);
}

// One small HTTPS client shared by every outbound integration (Graph, its token
// endpoint, the SMS provider, the breached-password range API).
//
// Why not the global fetch: Node's fetch cannot be given extra trusted CAs per
// client without a separately installed undici, and both msal-node and
// graph-client call it. Company networks with TLS-inspecting proxies need an
// extra CA for exactly these hosts, and changing the process-wide trust store
// from a library would surprise everything else in the process. Both SDKs let
// the caller supply the HTTP layer (msal-node `system.networkClient`,
// graph-client custom middleware), so they run on this instead.
import http from 'node:http';
import https from 'node:https';
import { createSecureContext, rootCertificates } from 'node:tls';

export interface HttpRequest {
  url: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  headers?: Record<string, string>;
  body?: string;
  /** The whole exchange, connect to last byte; past it the request is abandoned. */
  timeoutMs: number;
}

export interface HttpResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: string;
}

export type HttpTransportFailure = 'timeout' | 'network' | 'too_large';

/**
 * A request that got no usable HTTP answer. Its message names the host and the
 * low-level reason (for admins), never a header or body of the request.
 */
export class HttpTransportError extends Error {
  constructor(
    readonly failure: HttpTransportFailure,
    message: string,
  ) {
    super(message);
    this.name = failure === 'timeout' ? 'TimeoutError' : 'NetworkError';
  }
}

export interface HttpTransportOptions {
  /**
   * Extra trusted CA certificates (PEM, one or several), added to Node's
   * built-in roots rather than replacing them: for a proxy that inspects TLS,
   * or a private endpoint. Public endpoints keep working.
   */
  ca?: string;
  /** Responses larger than this are refused; our APIs answer in kilobytes. */
  maxResponseBytes?: number;
}

export interface HttpTransport {
  send(req: HttpRequest): Promise<HttpResponse>;
  /** Closes idle keep-alive connections. */
  close(): void;
}

const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

export function createHttpTransport(opts: HttpTransportOptions = {}): HttpTransport {
  // One secure context built once: handed as `ca`, the agent would fold the
  // whole root bundle (~200 KB of PEM) into its connection-pool key on every
  // request (https.Agent#getName), about a millisecond of CPU each.
  const secureContext = opts.ca ? createSecureContext({ ca: [...rootCertificates, opts.ca] }) : undefined;
  const httpsAgent = new https.Agent({ keepAlive: true, ...(secureContext ? { secureContext } : {}) });
  const httpAgent = new http.Agent({ keepAlive: true });
  const maxBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;

  function send(req: HttpRequest): Promise<HttpResponse> {
    const url = new URL(req.url);
    const isHttps = url.protocol === 'https:';
    if (!isHttps && url.protocol !== 'http:') {
      return Promise.reject(new HttpTransportError('network', `unsupported URL scheme ${url.protocol}`));
    }
    const headers: Record<string, string> = { ...(req.headers ?? {}) };
    if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
    const deadline = Date.now() + req.timeoutMs;
    return exchange(req, url, headers, deadline).catch((err: unknown) => {
      // A kept-alive connection the server closed as we reused it: the request
      // never reached it (nothing was answered), so it goes once more, on a new
      // connection, within the same deadline. Node's own advice for keep-alive.
      if (err instanceof StaleConnection && Date.now() < deadline) return exchange(req, url, headers, deadline).catch(unwrapStale);
      return unwrapStale(err);
    });
  }

  function exchange(req: HttpRequest, url: URL, headers: Record<string, string>, deadline: number): Promise<HttpResponse> {
    const isHttps = url.protocol === 'https:';
    const lib = isHttps ? https : http;
    return new Promise<HttpResponse>((resolve, reject) => {
      let settled = false;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        fn();
      };
      const outgoing = lib.request(url, { method: req.method, headers, agent: isHttps ? httpsAgent : httpAgent }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            outgoing.destroy();
            finish(() => reject(new HttpTransportError('too_large', `response from ${url.host} exceeded ${maxBytes} bytes`)));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () =>
          finish(() =>
            resolve({
              status: res.statusCode ?? 0,
              headers: flattenHeaders(res.headers),
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          ),
        );
        res.on('error', (err) => finish(() => reject(new HttpTransportError('network', `${url.host}: ${err.message}`))));
      });
      const timer = setTimeout(() => {
        finish(() => reject(new HttpTransportError('timeout', `${url.host} did not answer within ${req.timeoutMs} ms`)));
        outgoing.destroy();
      }, Math.max(0, deadline - Date.now()));
      let answered = false;
      outgoing.once('response', () => (answered = true));
      outgoing.on('error', (err: NodeJS.ErrnoException) =>
        finish(() => {
          const failure = new HttpTransportError('network', `${url.host}: ${err.code ?? err.message}`);
          const stale = outgoing.reusedSocket && !answered && (err.code === 'ECONNRESET' || err.code === 'EPIPE');
          reject(stale ? new StaleConnection(failure) : failure);
        }),
      );
      if (req.body !== undefined) outgoing.write(req.body);
      outgoing.end();
    });
  }

  return {
    send,
    close() {
      httpsAgent.destroy();
      httpAgent.destroy();
    },
  };
}

/** A reused connection that turned out closed; carries the error to report if trying again does not help. */
class StaleConnection extends Error {
  constructor(readonly failure: HttpTransportError) {
    super(failure.message);
  }
}

function unwrapStale(err: unknown): never {
  throw err instanceof StaleConnection ? err.failure : err;
}

function flattenHeaders(raw: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

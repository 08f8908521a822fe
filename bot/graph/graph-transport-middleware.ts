// The last link of graph-client's middleware chain: sends the request through
// our HTTP transport (extra CA, a hard timeout, a response size cap) instead of
// the global fetch. graph-client documents custom middleware for exactly this.
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import type { HttpRequest, HttpTransport } from '../integrations/http-transport';

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
// The Fetch standard forbids a body on these statuses.
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

export class GraphTransportMiddleware implements Middleware {
  constructor(
    private readonly transport: HttpTransport,
    private readonly timeoutMs: number,
  ) {}

  async execute(context: Context): Promise<void> {
    const request = context.request;
    const options = context.options ?? {};
    const url = typeof request === 'string' ? request : request.url;
    const method = (options.method ?? (typeof request === 'string' ? 'GET' : request.method)).toUpperCase();
    if (!METHODS.has(method)) throw new Error(`unsupported method ${method}`);
    if (options.body !== undefined && options.body !== null && typeof options.body !== 'string') {
      // Every call ResetDesk makes sends JSON, which graph-client serialises to a string.
      throw new Error('only string request bodies are supported');
    }
    const res = await this.transport.send({
      url,
      method: method as HttpRequest['method'],
      headers: headersToRecord(options.headers),
      ...(typeof options.body === 'string' ? { body: options.body } : {}),
      timeoutMs: this.timeoutMs,
    });
    context.response = new Response(NULL_BODY_STATUSES.has(res.status) ? null : res.body, {
      status: res.status,
      headers: res.headers,
    });
  }
}

function headersToRecord(headers: ConstructorParameters<typeof Headers>[0]): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  new Headers(headers).forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

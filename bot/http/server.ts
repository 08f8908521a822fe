// The HTTP surface of the bot service, on two listeners. The public one
// serves Bot Framework messages, /healthz and extra route groups (the agent
// gateway); the management one serves /healthz, /readyz and /metrics, on
// loopback unless asked otherwise, so readiness details and metrics never face
// the internet.
import { createHash, timingSafeEqual } from 'node:crypto';
import restify, { type Next, type Server, type Request, type Response } from 'restify';
import type { CloudAdapter, TurnContext } from 'botbuilder';
import type { Logger } from '../log';
import { asStepArrivedNow } from '../store';
import type { BotMetrics } from '../metrics';

export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
}

export interface RouteGroup {
  register(server: Server): void;
}

export interface ServerDeps {
  adapter: CloudAdapter;
  /** The bot's turn logic (a TeamsActivityHandler's `run`). */
  onTurn: (context: TurnContext) => Promise<void>;
  logger: Logger;
  metrics: BotMetrics;
  routes?: RouteGroup[];
  /** Largest accepted request body; activities are small. */
  maxBodyBytes?: number;
}

function baseServer(name: string, metrics: BotMetrics, maxBodyBytes: number): Server {
  const server = restify.createServer({ name, handleUncaughtExceptions: false });
  server.use(restify.plugins.bodyParser({ maxBodySize: maxBodyBytes, mapParams: false, rejectUnknown: true }));
  server.use(restify.plugins.queryParser({ mapParams: false }));
  server.on('after', (req: Request, res: Response) => {
    const route = req.getRoute()?.path?.toString() ?? 'unmatched';
    const seconds = (Date.now() - req.time()) / 1000;
    metrics.httpDuration.observe({ route, status: String(res.statusCode) }, seconds);
  });
  server.get('/healthz', async (_req: Request, res: Response) => {
    res.send(200, { status: 'ok' });
  });
  return server;
}

/** The public listener: what Teams and the agents reach. */
export function createServer(deps: ServerDeps): Server {
  const server = baseServer('resetdesk', deps.metrics, deps.maxBodyBytes ?? 256 * 1024);
  server.post('/api/messages', async (req: Request, res: Response) => {
    await asStepArrivedNow(() => deps.adapter.process(req, res, deps.onTurn));
  });
  for (const group of deps.routes ?? []) group.register(server);
  return server;
}

export interface ManagementServerDeps {
  logger: Logger;
  metrics: BotMetrics;
  readiness: ReadinessCheck[];
  /** When set, every route but /healthz wants `Authorization: Bearer <token>`. */
  token?: string | undefined;
  routes?: RouteGroup[];
}

/** The management listener: readiness, metrics and operator routes, for the machine (or the monitoring system) only. */
export function createManagementServer(deps: ManagementServerDeps): Server {
  const server = baseServer('resetdesk-management', deps.metrics, 64 * 1024);
  if (deps.token) {
    const expected = createHash('sha256').update(`Bearer ${deps.token}`).digest();
    server.use((req: Request, res: Response, next: Next) => {
      if (req.path() === '/healthz') return next();
      const given = createHash('sha256').update(String(req.header('authorization') ?? '')).digest();
      if (!timingSafeEqual(given, expected)) {
        res.setHeader('www-authenticate', 'Bearer');
        res.send(401, { code: 'MANAGEMENT_UNAUTHORIZED', message: 'A bearer token is required here.' });
        return next(false);
      }
      return next();
    });
  }

  server.get('/readyz', async (_req: Request, res: Response) => {
    const results = await Promise.all(
      deps.readiness.map(async (r) => {
        try {
          await r.check();
          return { name: r.name, ok: true as const };
        } catch (err) {
          const code = (err as { code?: unknown }).code;
          return { name: r.name, ok: false as const, code: typeof code === 'string' ? code : 'UNAVAILABLE' };
        }
      }),
    );
    const ready = results.every((r) => r.ok);
    if (!ready) deps.logger.warn({ checks: results }, 'not ready');
    res.send(ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks: results });
  });

  server.get('/metrics', async (_req: Request, res: Response) => {
    const body = await deps.metrics.registry.metrics();
    res.setHeader('content-type', deps.metrics.registry.contentType);
    res.sendRaw(200, body);
  });

  for (const group of deps.routes ?? []) group.register(server);
  return server;
}

export function listen(server: Server, port: number, host?: string): Promise<{ port: number; url: string }> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host ?? '0.0.0.0', () => {
      const addr = server.address();
      const h = host && host !== '0.0.0.0' && host !== '::' ? host : '127.0.0.1';
      resolve({ port: addr.port, url: `http://${h.includes(':') ? `[${h}]` : h}:${addr.port}` });
    });
  });
}

/**
 * Lets requests in flight finish, then drops any connection that still holds
 * the listener open (a keep-alive client, a long-poll that came in late):
 * without that a graceful stop can wait for ever.
 */
export async function closeListener(server: Server, graceMs = 5_000): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.server.closeIdleConnections();
  const timer = setTimeout(() => server.server.closeAllConnections(), graceMs);
  timer.unref();
  try {
    await closed;
  } finally {
    clearTimeout(timer);
  }
}

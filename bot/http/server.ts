// The HTTP surface of the bot service: Bot Framework messages, health,
// readiness, metrics, and any extra route groups (the agent gateway).
import restify, { type Server, type Request, type Response } from 'restify';
import type { CloudAdapter, TurnContext } from 'botbuilder';
import type { Logger } from '../log';
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
  readiness: ReadinessCheck[];
  routes?: RouteGroup[];
  /** Largest accepted request body; activities are small. */
  maxBodyBytes?: number;
}

export function createServer(deps: ServerDeps): Server {
  const server = restify.createServer({ name: 'resetdesk', handleUncaughtExceptions: false });
  server.use(restify.plugins.bodyParser({ maxBodySize: deps.maxBodyBytes ?? 256 * 1024, mapParams: false, rejectUnknown: true }));
  server.use(restify.plugins.queryParser({ mapParams: false }));

  server.on('after', (req: Request, res: Response) => {
    const route = req.getRoute()?.path?.toString() ?? 'unmatched';
    const seconds = (Date.now() - req.time()) / 1000;
    deps.metrics.httpDuration.observe({ route, status: String(res.statusCode) }, seconds);
  });

  server.post('/api/messages', async (req: Request, res: Response) => {
    await deps.adapter.process(req, res, deps.onTurn);
  });

  server.get('/healthz', async (_req: Request, res: Response) => {
    res.send(200, { status: 'ok' });
  });

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
      const h = host && host !== '0.0.0.0' ? host : '127.0.0.1';
      resolve({ port: addr.port, url: `http://${h}:${addr.port}` });
    });
  });
}

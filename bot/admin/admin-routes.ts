// The admin API on the management listener, for the admin CLI on the same
// machine (and any operator tooling): list, confirm and revoke agents, issue
// enrollment codes. Every call wants the management token; the service keeps
// it in its data folder (mode 0600) unless RESETDESK_MANAGEMENT_TOKEN sets it,
// so only the service's own user, or whoever was given the token, can act.
// Because the running service answers, this works with PGlite too, whose data
// folder one process at a time may open.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, Response, Server } from 'restify';
import { z } from 'zod';
import { isResetDeskError } from '../errors';
import type { RouteGroup } from '../http/server';
import type { Logger } from '../log';
import type { Store } from '../store';
import { issueEnrollmentCode } from '../writeback/enrollment-codes';
import { confirmAgentAs, listAgentViews, revokeAgentAs, type AgentAdminWindows } from './agent-admin';

export interface AdminRoutesOptions {
  store: Store;
  token: string;
  windows: AgentAdminWindows;
  logger: Logger;
  now?: () => Date;
}

const ActorBody = z.strictObject({ by: z.string().trim().min(1).max(256) });
const EnrollmentCodeBody = z.strictObject({ by: z.string().trim().min(1).max(256), ttlMinutes: z.number().int().min(1).max(60).optional() });
const AgentRef = z.string().min(1).max(200);

const STATUS_OF: Record<string, number> = {
  ADMIN_AGENT_NOT_FOUND: 404,
  ADMIN_AGENT_AMBIGUOUS: 409,
  ADMIN_AGENT_REVOKED: 409,
  STORE_AGENT_REVOKED: 409,
  ENROLL_INVALID_INPUT: 400,
  ADMIN_INVALID_INPUT: 400,
};

class InvalidInput extends Error {}

function bodyOf<S extends z.ZodType>(schema: S, req: Request): z.output<S> {
  const parsed = schema.safeParse(req.body ?? {});
  if (!parsed.success) throw new InvalidInput(parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '));
  return parsed.data;
}

export function createAdminRoutes(o: AdminRoutesOptions): RouteGroup {
  const now = o.now ?? (() => new Date());
  const expected = createHash('sha256').update(`Bearer ${o.token}`).digest();

  function handle(name: string, fn: (req: Request) => Promise<{ status: number; body: unknown }>) {
    return async (req: Request, res: Response): Promise<void> => {
      const given = createHash('sha256').update(String(req.header('authorization') ?? '')).digest();
      if (!timingSafeEqual(given, expected)) {
        res.setHeader('www-authenticate', 'Bearer');
        res.send(401, { code: 'MANAGEMENT_UNAUTHORIZED', message: 'The management token is required here.' });
        return;
      }
      try {
        const { status, body } = await fn(req);
        res.send(status, body);
      } catch (err) {
        if (err instanceof InvalidInput) {
          res.send(400, { code: 'ADMIN_INVALID_INPUT', message: err.message });
        } else if (isResetDeskError(err) && STATUS_OF[err.code]) {
          res.send(STATUS_OF[err.code]!, { code: err.code, message: err.message });
        } else {
          o.logger.error({ route: name, err: { name: (err as Error)?.name, code: isResetDeskError(err) ? err.code : undefined } }, 'admin API call failed');
          res.send(500, { code: 'ADMIN_INTERNAL_ERROR', message: 'The service could not do that; see its log.' });
        }
      }
    };
  }

  return {
    register(server: Server) {
      server.get('/admin/agents', handle('agents', async () => ({ status: 200, body: { agents: await listAgentViews(o.store, now(), o.windows) } })));
      server.post('/admin/agents/:agent/confirm', handle('confirm', async (req) => {
        const { by } = bodyOf(ActorBody, req);
        return { status: 200, body: await confirmAgentAs(o.store, AgentRef.parse(req.params.agent), by, now(), o.windows) };
      }));
      server.post('/admin/agents/:agent/revoke', handle('revoke', async (req) => {
        const { by } = bodyOf(ActorBody, req);
        return { status: 200, body: await revokeAgentAs(o.store, AgentRef.parse(req.params.agent), by, now(), o.windows) };
      }));
      server.post('/admin/enrollment-codes', handle('enrollment-code', async (req) => {
        const { by, ttlMinutes } = bodyOf(EnrollmentCodeBody, req);
        const issued = await issueEnrollmentCode(o.store, { createdBy: by, ...(ttlMinutes ? { ttlSeconds: ttlMinutes * 60 } : {}) });
        return { status: 201, body: { code: issued.code, expiresAt: issued.expiresAt.toISOString() } };
      }));
    },
  };
}

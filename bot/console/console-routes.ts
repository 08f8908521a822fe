// The console on the public listener: its page (/console), the page's
// bundled script and style (/console/assets/*) and its JSON API
// (/console/api/*, the table in console-api.ts). Every API call proves who
// is calling with the Teams SSO token and has that person's roles checked
// against Graph before anything is read or done; a call without them gets
// 401 or 403 and no data.
import type { Request, Response, Server } from 'restify';
import { isResetDeskError } from '../errors';
import type { RouteGroup } from '../http/server';
import type { ApiCall, ApiResult, ConsoleContext } from './api/api-route';
import { CONSOLE_API } from './console-api';
import type { ConsoleConfig } from './console-config';
import type { ConsolePages } from './page-assets';
import { mayOpen, type RoleChecker } from './roles';
import { setApiHeaders, setAssetHeaders, setPageHeaders } from './security-headers';
import type { SsoTokenVerifier } from './sso-token';

export interface ConsoleRoutesDeps extends ConsoleContext {
  config: ConsoleConfig;
  devMode: boolean;
  tokens: SsoTokenVerifier;
  roles: RoleChecker;
  pages: ConsolePages;
}

// Stable codes to HTTP statuses; anything else is a 500 with a generic message.
const STATUS_OF: Record<string, number> = {
  CONSOLE_TOKEN_MISSING: 401,
  CONSOLE_TOKEN_INVALID: 401,
  CONSOLE_TOKEN_EXPIRED: 401,
  CONSOLE_TOKEN_WRONG_ISSUER: 401,
  CONSOLE_TOKEN_WRONG_AUDIENCE: 401,
  CONSOLE_TOKEN_WRONG_TENANT: 401,
  CONSOLE_TOKEN_WRONG_CLIENT: 401,
  CONSOLE_TOKEN_WRONG_SCOPE: 401,
  CONSOLE_KEYS_UNAVAILABLE: 503,
  CONSOLE_FORBIDDEN: 403,
  CONSOLE_INVALID_INPUT: 400,
  STORE_INVALID_INPUT: 400,
  ENROLL_INVALID_INPUT: 400,
  CONSOLE_NOT_FOUND: 404,
  ADMIN_AGENT_NOT_FOUND: 404,
  ADMIN_AGENT_AMBIGUOUS: 409,
  ADMIN_AGENT_REVOKED: 409,
  STORE_AGENT_REVOKED: 409,
  STORE_VERSION_CONFLICT: 409,
  STORE_NOT_FOUND: 404,
  // The journey's refusals (bot/journey/refusals.ts), as the console answers them.
  // Not allowed for this person, whatever they send:
  HELPDESK_NOT_MEMBER: 403,
  HELPDESK_SELF: 403,
  REQUEST_NOT_YOURS: 403,
  VERIFY_NOT_OWNER: 403,
  VERIFY_NOT_MANAGER: 403,
  APPROVAL_SELF: 403,
  APPROVAL_NOT_APPROVER: 403,
  // The request or its step moved on (a stale step token, a race, a deadline): reload and look again.
  STEP_OVER: 409,
  STORE_CHALLENGE_CLOSED: 409,
  REQUEST_ILLEGAL_TRANSITION: 409,
  REQUEST_EXPIRED: 409,
  REQUEST_STEP_EXPIRED: 409,
  VERIFY_CHALLENGE_MISMATCH: 409,
  VERIFY_CHALLENGE_USED: 409,
  VERIFY_METHOD_ALREADY_PASSED: 409,
  APPROVAL_NOT_PENDING: 409,
  APPROVAL_EXPIRED: 409,
  APPROVAL_ALREADY_GIVEN: 409,
  APPROVAL_CALLER_NOT_VERIFIED: 409,
  HELPDESK_NOT_ELIGIBLE: 409,
  // Understood, but not something this request can do:
  VERIFY_METHOD_UNAVAILABLE: 422,
  VERIFY_CODE_MALFORMED: 422,
  APPROVAL_REASON_REQUIRED: 422,
  REQUEST_INVALID: 422,
  // Too many, too often: later may work.
  LIMIT_REACHED: 429,
  VERIFY_RESEND_LIMIT: 429,
  VERIFY_RESEND_TOO_SOON: 429,
  VERIFY_TOO_MANY_TRIES: 429,
  // The one-time reveal was used.
  HELPDESK_REVEAL_USED: 410,
  // Something the service depends on did not answer.
  DIRECTORY_UNREACHABLE: 503,
  WRITEBACK_NO_AGENTS: 503,
  WRITEBACK_TIMEOUT: 503,
  VERIFY_DELIVERY_FAILED: 502,
  SMS_THROTTLED: 503,
  GRAPH_USER_NOT_FOUND: 404,
};

function statusOf(code: string): number | undefined {
  return STATUS_OF[code] ?? (code.startsWith('GRAPH_') ? 503 : undefined);
}

/** Seconds until a usage limit lets the person try again, for Retry-After. */
function retryAfterOf(details: Readonly<Record<string, unknown>>, now: Date): number | undefined {
  const until = typeof details.until === 'string' ? Date.parse(details.until) : Number.NaN;
  return Number.isNaN(until) ? undefined : Math.max(1, Math.ceil((until - now.getTime()) / 1000));
}

const GRAPH_DOWN = { code: 'CONSOLE_ROLES_UNAVAILABLE', message: 'Your roles could not be checked with Microsoft Graph just now; try again shortly.' };

export function createConsoleRoutes(deps: ConsoleRoutesDeps): RouteGroup {
  const settings = {
    validMessageOrigins: deps.config.extraHostOrigins,
    trialHostUrl: deps.devMode ? (deps.config.trialHostUrl ?? null) : null,
  };

  function send(res: Response, result: ApiResult): void {
    if ('download' in result) {
      res.setHeader('content-type', result.download.contentType);
      res.setHeader('content-disposition', `attachment; filename="${result.download.filename}"`);
      res.sendRaw(result.status, result.download.text);
    } else {
      res.send(result.status, result.body);
    }
  }

  function apiHandler(route: (typeof CONSOLE_API)[number]) {
    return async (req: Request, res: Response): Promise<void> => {
      setApiHeaders(res);
      let who: string | undefined;
      try {
        const person = await deps.tokens.verify(req.header('authorization'));
        who = person.aadObjectId;
        let roles;
        try {
          roles = await deps.roles.rolesOf(person.aadObjectId);
        } catch (err) {
          deps.logger.warn({ route: route.path, err: { code: isResetDeskError(err) ? err.code : 'UNKNOWN' } }, 'console: roles could not be checked');
          res.send(503, GRAPH_DOWN);
          return;
        }
        if (route.view !== null && !mayOpen(roles, route.view)) {
          deps.logger.info({ route: route.path, person: who, roles }, 'console: refused, the person lacks the role');
          res.send(403, { code: 'CONSOLE_FORBIDDEN', message: 'You do not have the ResetDesk role this needs.' });
          return;
        }
        const call: ApiCall = {
          person,
          roles,
          actor: { aadObjectId: person.aadObjectId, tenantId: person.tenantId },
          params: (req.params ?? {}) as Record<string, string>,
          query: (req.query ?? {}) as ApiCall['query'],
          body: req.body,
        };
        const result = await route.handle(deps, call);
        if (route.method === 'POST') deps.logger.info({ route: route.path, person: who, status: result.status }, 'console: action');
        send(res, result);
      } catch (err) {
        const status = isResetDeskError(err) ? statusOf(err.code) : undefined;
        if (status !== undefined && isResetDeskError(err)) {
          if (status === 401) res.setHeader('www-authenticate', 'Bearer error="invalid_token"');
          const retryAfter = status === 429 ? retryAfterOf(err.details, deps.now()) : undefined;
          if (retryAfter !== undefined) res.setHeader('retry-after', String(retryAfter));
          if (status >= 500) deps.logger.warn({ route: route.path, person: who, err: { code: err.code } }, 'console: call failed');
          res.send(status, { code: err.code, message: err.message });
          return;
        }
        deps.logger.error({ route: route.path, person: who, err: { name: (err as Error)?.name, code: isResetDeskError(err) ? err.code : undefined } }, 'console: call failed');
        res.send(500, { code: 'CONSOLE_INTERNAL_ERROR', message: 'The service could not do that; see its log.' });
      }
    };
  }

  async function page(_req: Request, res: Response): Promise<void> {
    try {
      const html = await deps.pages.html(settings);
      setPageHeaders(res, deps.config.extraHostOrigins);
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.sendRaw(200, html);
    } catch {
      res.send(503, { code: 'CONSOLE_PAGE_UNAVAILABLE', message: 'The console page is not built; run npm run build.' });
    }
  }

  return {
    register(server: Server) {
      server.get('/console', page);
      server.get('/console/', page);
      server.get('/console/assets/:name', async (req: Request, res: Response) => {
        const name = String(req.params?.name ?? '');
        const file = /^[a-z0-9-]+\.(js|css)$/i.test(name) ? await deps.pages.asset(name).catch(() => undefined) : undefined;
        if (!file) {
          setApiHeaders(res);
          res.send(404, { code: 'CONSOLE_NOT_FOUND', message: 'No such file.' });
          return;
        }
        setAssetHeaders(res);
        res.setHeader('content-type', file.contentType);
        res.sendRaw(200, file.body);
      });
      for (const route of CONSOLE_API) {
        const path = `/console/api/${route.path}`;
        if (route.method === 'GET') server.get(path, apiHandler(route));
        else server.post(path, apiHandler(route));
      }
    },
  };
}

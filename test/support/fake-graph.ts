// A local stand-in for Microsoft Entra ID's token endpoint and the few
// Microsoft Graph endpoints ResetDesk uses, over real HTTPS, so the real
// msal-node and graph-client can be pointed at it. The directory lives in
// memory: tests seed users, managers, methods and groups, then read what the
// bot did (mails sent, sessions revoked, every request) from `state`.
//
//   const graph = await startFakeGraph({ users: [fakeUser({ displayName: 'Ada Lovelace' })] });
//   const directory = createGraphDirectory(graph.directoryConfig());
//   graph.inject('user', { status: 429, retryAfter: 1, times: 2 });
//   ...
//   await graph.close();
import { randomBytes, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { GraphDirectoryConfig } from '../../bot/graph/graph-config';
import { FaultBook, sendJson, startFakeHttpsServer, type FakeFault, type RecordedRequest } from './fake-https-server';

export type { FakeFault, RecordedRequest };

export type FakeGraphRoute =
  | 'openid'
  | 'token'
  | 'user'
  | 'manager'
  | 'emailMethods'
  | 'phoneMethods'
  | 'checkMemberGroups'
  | 'searchUsers'
  | 'sendMail'
  | 'revokeSignInSessions';

export interface FakeGraphUser {
  id: string;
  displayName: string;
  userPrincipalName: string;
  mail: string | null;
  accountEnabled: boolean;
  onPremisesSyncEnabled: boolean | null;
  onPremisesSecurityIdentifier: string | null;
  onPremisesSamAccountName: string | null;
  onPremisesDomainName: string | null;
  onPremisesUserPrincipalName: string | null;
  /** Object id of the manager, if any. */
  managerId?: string;
  /** Registered alternate e-mail addresses (authentication methods). */
  emailMethods?: string[];
  /** Registered phones as Graph shows them, e.g. `+1 4255550142`. */
  phoneMethods?: { number: string; type: 'mobile' | 'alternateMobile' | 'office' }[];
  jobTitle?: string | null;
  department?: string | null;
}

export interface FakeGraphGroup {
  id: string;
  displayName?: string;
  /** User ids or group ids (nested groups count, as in Entra ID). */
  members: string[];
}

export interface FakeGraphSeed {
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  users?: FakeGraphUser[];
  groups?: FakeGraphGroup[];
}

export interface SentMail {
  /** The mailbox in the URL, as the caller wrote it. */
  from: string;
  to: string[];
  subject: string;
  contentType: 'Text' | 'HTML';
  content: string;
  saveToSentItems: boolean;
}

export interface FakeGraphState {
  sentMails: SentMail[];
  /** Object ids whose sessions were revoked, in order. */
  revokedUsers: string[];
  /** Every request the fake received, token requests included. */
  requests: RecordedRequest[];
  tokensIssued: number;
}

export interface FakeGraph {
  /** Graph base URL (without the version), e.g. https://localhost:4711 */
  url: string;
  /** Authority host for msal, e.g. https://localhost:4711 */
  authorityHost: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** The fake's self-signed certificate: pass as `ca` to trust it. */
  caPem: string;
  state: FakeGraphState;
  /** Make `route` (or every route, with '*') misbehave for its next calls. */
  inject(route: FakeGraphRoute | '*', fault: FakeFault): void;
  clearFaults(): void;
  addUser(user: FakeGraphUser): void;
  addGroup(group: FakeGraphGroup): void;
  /** Lets a test expire every token handed out so far. */
  revokeAllTokens(): void;
  /** A ready GraphDirectoryConfig for this fake; override what the test is about. */
  directoryConfig(overrides?: Partial<GraphDirectoryConfig>): GraphDirectoryConfig;
  close(): Promise<void>;
}

/** A synced hybrid user with sensible defaults; pass what the test cares about. */
export function fakeUser(partial: Partial<FakeGraphUser> = {}): FakeGraphUser {
  const sam = partial.onPremisesSamAccountName ?? `user${randomBytes(3).toString('hex')}`;
  return {
    id: randomUUID(),
    displayName: 'Test User',
    userPrincipalName: `${sam}@contoso.example`,
    mail: `${sam}@contoso.example`,
    accountEnabled: true,
    onPremisesSyncEnabled: true,
    onPremisesSecurityIdentifier: `S-1-5-21-1004336348-1177238915-682003330-${1000 + Math.floor(Math.random() * 100000)}`,
    onPremisesSamAccountName: sam,
    onPremisesDomainName: 'contoso.example',
    onPremisesUserPrincipalName: `${sam}@contoso.example`,
    ...partial,
  };
}

// The properties Graph returns for a user when no $select is given: notably
// none of the on-premises ones, which is why the adapter must ask for them.
const DEFAULT_USER_PROPERTIES = ['id', 'displayName', 'userPrincipalName', 'mail', 'givenName', 'surname', 'jobTitle'];

const GRAPH_ERROR_CODES: Record<number, string> = {
  400: 'BadRequest',
  401: 'InvalidAuthenticationToken',
  403: 'Authorization_RequestDenied',
  404: 'Request_ResourceNotFound',
  429: 'TooManyRequests',
  500: 'generalException',
  502: 'badGateway',
  503: 'serviceNotAvailable',
  504: 'gatewayTimeout',
};

function graphError(status: number, message?: string, code?: string) {
  return {
    error: {
      code: code ?? GRAPH_ERROR_CODES[status] ?? 'UnknownError',
      message: message ?? `Fake Graph answered ${status}.`,
      innerError: { date: new Date().toISOString(), 'request-id': randomUUID(), 'client-request-id': randomUUID() },
    },
  };
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export async function startFakeGraph(seed: FakeGraphSeed = {}): Promise<FakeGraph> {
  const tenantId = seed.tenantId ?? randomUUID();
  const clientId = seed.clientId ?? randomUUID();
  const clientSecret = seed.clientSecret ?? `fake~${randomBytes(18).toString('base64url')}`;
  const users = new Map<string, FakeGraphUser>();
  const groups = new Map<string, FakeGraphGroup>();
  for (const u of seed.users ?? []) users.set(u.id, u);
  for (const g of seed.groups ?? []) groups.set(g.id, g);
  const tokens = new Map<string, number>(); // token -> expiry (ms)
  const faults = new FaultBook<FakeGraphRoute>();
  const state: FakeGraphState = { sentMails: [], revokedUsers: [], requests: [], tokensIssued: 0 };
  let origin = '';

  const findUser = (key: string): FakeGraphUser | undefined => {
    const byId = users.get(key);
    if (byId) return byId;
    const lower = key.toLowerCase();
    for (const u of users.values()) {
      if (u.userPrincipalName.toLowerCase() === lower || u.mail?.toLowerCase() === lower) return u;
    }
    return undefined;
  };

  const isTransitiveMember = (memberId: string, groupId: string, seen = new Set<string>()): boolean => {
    const group = groups.get(groupId);
    if (!group || seen.has(groupId)) return false;
    seen.add(groupId);
    return group.members.some((m) => m === memberId || (groups.has(m) && isTransitiveMember(memberId, m, seen)));
  };

  const project = (user: FakeGraphUser, select: string | null): Record<string, unknown> => {
    const wanted = select ? ['id', ...select.split(',').map((s) => s.trim())] : DEFAULT_USER_PROPERTIES;
    const record = user as unknown as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const key of wanted) if (key in record && !['managerId', 'emailMethods', 'phoneMethods'].includes(key)) out[key] = record[key] ?? null;
    return out;
  };

  const tokenEndpoint = (res: ServerResponse, body: string, tenant: string) => () => {
    const form = new URLSearchParams(body);
    const entraError = (status: number, error: string, aadsts: number, description: string) =>
      sendJson(res, status, {
        error,
        error_description: `AADSTS${aadsts}: ${description} Trace ID: ${randomUUID()}`,
        error_codes: [aadsts],
        timestamp: new Date().toISOString(),
        trace_id: randomUUID(),
        correlation_id: randomUUID(),
      });
    if (tenant !== tenantId) return entraError(400, 'invalid_request', 90002, `Tenant '${tenant}' not found.`);
    if (form.get('grant_type') !== 'client_credentials') return entraError(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
    if (form.get('client_id') !== clientId) return entraError(400, 'unauthorized_client', 700016, 'Application was not found in the directory.');
    if (form.get('client_secret') !== clientSecret) return entraError(401, 'invalid_client', 7000215, 'Invalid client secret provided.');
    if (form.get('scope') !== `${origin}/.default`) return entraError(400, 'invalid_scope', 1002012, 'The provided value for scope is not valid.');
    const now = Math.floor(Date.now() / 1000);
    const accessToken = [
      base64url({ typ: 'JWT', alg: 'RS256' }),
      base64url({ aud: origin, iss: `https://sts.windows.net/${tenantId}/`, tid: tenantId, appid: clientId, iat: now, exp: now + 3599 }),
      randomBytes(32).toString('base64url'),
    ].join('.');
    tokens.set(accessToken, Date.now() + 3599_000);
    state.tokensIssued += 1;
    sendJson(res, 200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: accessToken });
  };

  const server = await startFakeHttpsServer(faults, (status) => graphError(status), ({ req, res, body, url }) => {
    const parts = url.pathname.split('/').filter(Boolean).map((p) => decodeURIComponent(p));
    const method = req.method ?? 'GET';

    // Entra ID: /{tenant}/v2.0/.well-known/openid-configuration and /{tenant}/oauth2/v2.0/token
    if (method === 'GET' && parts.length === 4 && parts[1] === 'v2.0' && parts[2] === '.well-known' && parts[3] === 'openid-configuration') {
      const tenant = parts[0] ?? '';
      return { route: 'openid', respond: () => sendJson(res, 200, openIdConfiguration(origin, tenant)) };
    }
    if (method === 'POST' && parts.length === 4 && parts[1] === 'oauth2' && parts[2] === 'v2.0' && parts[3] === 'token') {
      return { route: 'token', respond: tokenEndpoint(res, body, parts[0] ?? '') };
    }

    // Graph: /v1.0/users?$filter=startswith(displayName,'jo') or startswith(mail,'jo') ... (the helpdesk's search)
    if (method === 'GET' && parts[0] === 'v1.0' && parts[1] === 'users' && parts[2] === undefined) {
      return {
        route: 'searchUsers',
        respond: () => {
          const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
          const expiry = tokens.get(token);
          if (expiry === undefined || expiry < Date.now()) return sendJson(res, 401, graphError(401, 'Access token is empty or invalid.'));
          const filter = url.searchParams.get('$filter') ?? '';
          // Only the shape ResetDesk sends: startswith(<property>,'<text>') joined by "or".
          const clauses = [...filter.matchAll(/startswith\((displayName|mail|userPrincipalName|givenName|surname),'((?:[^']|'')*)'\)/g)];
          if (clauses.length === 0) return sendJson(res, 400, graphError(400, 'Invalid filter clause'));
          const top = Math.min(Number(url.searchParams.get('$top') ?? '100'), 999);
          const found = [...users.values()].filter((u) => clauses.some(([, prop, text]) => {
            const value = String((u as unknown as Record<string, unknown>)[prop!] ?? (prop === 'givenName' ? u.displayName.split(' ')[0] : prop === 'surname' ? u.displayName.split(' ').slice(1).join(' ') : ''));
            return value.toLowerCase().startsWith(text!.replace(/''/g, "'").toLowerCase());
          })).slice(0, top);
          sendJson(res, 200, { '@odata.context': `${origin}/v1.0/$metadata#users`, value: found.map((u) => project(u, url.searchParams.get('$select'))) });
        },
      };
    }

    // Graph: /v1.0/users/{id or upn}[/...]
    if (parts[0] !== 'v1.0' || parts[1] !== 'users' || parts[2] === undefined) return undefined;
    const key = parts[2];
    const rest = parts.slice(3).join('/');
    const route = graphRoute(method, rest);
    if (!route) return undefined;

    return {
      route,
      respond: () => {
        const auth = req.headers.authorization ?? '';
        const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
        const expiry = tokens.get(token);
        if (expiry === undefined || expiry < Date.now()) {
          sendJson(res, 401, graphError(401, 'Access token is empty or invalid.'));
          return;
        }
        const user = findUser(key);
        if (!user) {
          const notFound = route === 'sendMail' ? graphError(404, 'The requested user is invalid.', 'ErrorInvalidUser') : graphError(404, `Resource '${key}' does not exist.`);
          sendJson(res, 404, notFound);
          return;
        }
        respondGraph(route, user, key, res, body, url);
      },
    };
  });
  origin = server.url;
  state.requests = server.requests;

  function respondGraph(route: FakeGraphRoute, user: FakeGraphUser, key: string, res: ServerResponse, body: string, url: URL): void {
    const select = url.searchParams.get('$select');
    switch (route) {
      case 'user':
        return sendJson(res, 200, { '@odata.context': `${origin}/v1.0/$metadata#users/$entity`, ...project(user, select) });
      case 'manager': {
        const manager = user.managerId ? users.get(user.managerId) : undefined;
        if (!manager) return sendJson(res, 404, graphError(404, `Resource 'manager' does not exist or one of its queried reference-property objects are not present.`));
        return sendJson(res, 200, { '@odata.type': '#microsoft.graph.user', ...project(manager, select) });
      }
      case 'emailMethods':
        return sendJson(res, 200, {
          value: (user.emailMethods ?? []).map((emailAddress, i) => ({ id: `3ddfcfc8-9383-446f-83cc-3ab9be4be18${i}`, emailAddress })),
        });
      case 'phoneMethods':
        return sendJson(res, 200, {
          value: (user.phoneMethods ?? []).map((p) => ({
            id: { mobile: '3179e48a-750b-4051-897c-87b9720928f7', alternateMobile: 'b6332ec1-7057-4abe-9331-3d72feddfe41', office: 'e37fc753-ff3b-4958-9484-eaa9425c82bc' }[p.type],
            phoneNumber: p.number,
            phoneType: p.type,
            smsSignInState: 'notAllowedByPolicy',
          })),
        });
      case 'checkMemberGroups': {
        const parsed = safeJson(body) as { groupIds?: unknown } | undefined;
        const ids = parsed?.groupIds;
        if (!Array.isArray(ids) || ids.length === 0 || ids.length > 20 || !ids.every((g) => typeof g === 'string')) {
          return sendJson(res, 400, graphError(400, 'groupIds must be 1 to 20 group ids.'));
        }
        return sendJson(res, 200, { value: (ids as string[]).filter((g) => isTransitiveMember(user.id, g)) });
      }
      case 'sendMail': {
        const parsed = safeJson(body) as { message?: SendMailMessage; saveToSentItems?: boolean } | undefined;
        const m = parsed?.message;
        const to = (m?.toRecipients ?? []).map((r) => r.emailAddress?.address).filter((a): a is string => typeof a === 'string');
        if (!m || to.length === 0 || typeof m.subject !== 'string' || !m.body || typeof m.body.content !== 'string') {
          return sendJson(res, 400, graphError(400, 'At least one recipient, a subject and a body are required.', 'ErrorInvalidRecipients'));
        }
        state.sentMails.push({
          from: key,
          to,
          subject: m.subject,
          contentType: m.body.contentType?.toLowerCase() === 'html' ? 'HTML' : 'Text',
          content: m.body.content,
          saveToSentItems: parsed?.saveToSentItems !== false,
        });
        res.writeHead(202);
        res.end();
        return;
      }
      case 'revokeSignInSessions':
        state.revokedUsers.push(user.id);
        return sendJson(res, 200, { '@odata.context': `${origin}/v1.0/$metadata#Edm.Boolean`, value: true });
      default:
        return sendJson(res, 404, graphError(404));
    }
  }

  return {
    url: origin,
    authorityHost: origin,
    tenantId,
    clientId,
    clientSecret,
    caPem: server.caPem,
    state,
    inject: (route, fault) => faults.inject(route, fault),
    clearFaults: () => faults.clear(),
    addUser: (u) => void users.set(u.id, u),
    addGroup: (g) => void groups.set(g.id, g),
    revokeAllTokens: () => tokens.clear(),
    directoryConfig: (overrides = {}) => ({
      tenantId,
      clientId,
      clientSecret,
      authorityHost: origin,
      baseUrl: origin,
      ca: server.caPem,
      timeoutMs: 2_000,
      ...overrides,
    }),
    close: () => server.close(),
  };
}

interface SendMailMessage {
  subject?: unknown;
  body?: { contentType?: string; content?: unknown };
  toRecipients?: { emailAddress?: { address?: unknown } }[];
}

function graphRoute(method: string, rest: string): FakeGraphRoute | undefined {
  const table: Record<string, FakeGraphRoute> = {
    'GET ': 'user',
    'GET manager': 'manager',
    'GET authentication/emailMethods': 'emailMethods',
    'GET authentication/phoneMethods': 'phoneMethods',
    'POST checkMemberGroups': 'checkMemberGroups',
    'POST sendMail': 'sendMail',
    'POST revokeSignInSessions': 'revokeSignInSessions',
  };
  return table[`${method} ${rest}`];
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function openIdConfiguration(origin: string, tenant: string) {
  const base = `${origin}/${tenant}`;
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${origin}/${tenant}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `${base}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${origin}/oidc/userinfo`,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'tid'],
    tenant_region_scope: 'EU',
    cloud_instance_name: 'localhost',
    cloud_graph_host_name: 'localhost',
    msgraph_host: 'localhost',
    rbac_url: origin,
  };
}

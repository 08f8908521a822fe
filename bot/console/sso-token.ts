// The console's sign-in: the Entra ID token Teams SSO hands the tab
// (`authentication.getAuthToken()`), checked here on every API call. The
// person is the token's `oid`; nothing from the page is believed about who
// they are. Errors carry stable codes (CONSOLE_TOKEN_*); their messages are
// safe to show and never echo the token.
import { createRemoteJWKSet, customFetch, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { ResetDeskError } from '../errors';
import { createHttpTransport } from '../integrations/http-transport';
import type { ConsoleConfig } from './console-config';

/** The scope the console's API exposes ("Expose an API" in the app registration). */
export const CONSOLE_SCOPE = 'access_as_user';

/**
 * The Microsoft 365 clients that Teams SSO pre-authorises for a tab's API
 * (learn.microsoft.com, "Configure your tab app in Microsoft Entra ID"). A
 * token any other client obtained for our API (an app the person consented
 * to elsewhere) is refused: it was not asked for by a Teams host.
 */
export const TEAMS_CLIENT_APP_IDS: Readonly<Record<string, string>> = {
  '1fec8e78-bce4-4aaf-ab1b-5451cc387264': 'Teams desktop and mobile',
  '5e3ce6c0-2b1f-4285-8d4b-75ee78787346': 'Teams web',
  '4765445b-32c6-49b0-83e6-1d93765276ca': 'Microsoft 365 web',
  '0ec893e0-5785-4de6-99da-4ed124e5296c': 'Microsoft 365 desktop',
  'd3590ed6-52b3-4102-aeff-aad2292ab01c': 'Microsoft 365 mobile, Outlook desktop',
  'bc59ab01-8403-45c6-8796-ac3ef710b3e3': 'Outlook web',
  '27922004-5251-4030-b22d-91ecd9a37ea4': 'Outlook mobile',
};

/** Entra's clock and ours may disagree a little; more than this is a wrong token. */
export const CLOCK_SKEW_SECONDS = 120;

export type ConsoleTokenErrorCode =
  | 'CONSOLE_TOKEN_MISSING'
  | 'CONSOLE_TOKEN_INVALID'
  | 'CONSOLE_TOKEN_EXPIRED'
  | 'CONSOLE_TOKEN_WRONG_ISSUER'
  | 'CONSOLE_TOKEN_WRONG_AUDIENCE'
  | 'CONSOLE_TOKEN_WRONG_TENANT'
  | 'CONSOLE_TOKEN_WRONG_CLIENT'
  | 'CONSOLE_TOKEN_WRONG_SCOPE'
  | 'CONSOLE_KEYS_UNAVAILABLE';

export class ConsoleTokenError extends ResetDeskError {
  constructor(code: ConsoleTokenErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, {}, options);
    this.name = 'ConsoleTokenError';
  }
}

/** Who signed in to the console, as Entra ID vouches for them. */
export interface ConsolePerson {
  aadObjectId: string;
  tenantId: string;
  /** For display only (the token's `name`); never used to decide anything. */
  displayName: string | null;
}

export interface SsoTokenSettings {
  tenantId: string;
  appId: string;
  publicHost: string;
  issuers: string[];
  /** The tenant's signing keys (a remote JWKS in production; a local set in unit tests). */
  keys: JWTVerifyGetKey;
  now: () => Date;
}

export interface SsoTokenVerifier {
  /** The person behind `Authorization: Bearer <token>`, or a ConsoleTokenError. */
  verify(authorizationHeader: string | undefined): Promise<ConsolePerson>;
}

// v1 tokens carry the Application ID URI as audience, v2 tokens the app id;
// Teams' docs also show the `botid-` form for apps that are a bot and a tab.
function audiencesOf(s: Pick<SsoTokenSettings, 'appId' | 'publicHost'>): string[] {
  return [`api://${s.publicHost}/${s.appId}`, `api://${s.publicHost}/botid-${s.appId}`, s.appId];
}

const fail = (code: ConsoleTokenErrorCode, message: string, cause?: unknown) => new ConsoleTokenError(code, message, cause === undefined ? undefined : { cause });

function asVerifyError(err: unknown): ConsoleTokenError {
  if (err instanceof ConsoleTokenError) return err;
  if (!(err instanceof errors.JOSEError)) return fail('CONSOLE_KEYS_UNAVAILABLE', 'Entra ID\'s signing keys could not be read; try again shortly.', err);
  switch (err.code) {
    case 'ERR_JWT_EXPIRED':
      return fail('CONSOLE_TOKEN_EXPIRED', 'The sign-in has expired; reload the tab.', err);
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED': {
      const claim = (err as errors.JWTClaimValidationFailed).claim;
      if (claim === 'iss') return fail('CONSOLE_TOKEN_WRONG_ISSUER', 'The sign-in was not issued by this organisation\'s Entra ID.', err);
      if (claim === 'aud') return fail('CONSOLE_TOKEN_WRONG_AUDIENCE', 'The sign-in is for another application.', err);
      if (claim === 'nbf') return fail('CONSOLE_TOKEN_INVALID', 'The sign-in is not valid yet; check the clock of this computer.', err);
      return fail('CONSOLE_TOKEN_INVALID', 'The sign-in could not be checked.', err);
    }
    // The keys could not be fetched (jose's generic error is a non-200 answer from the keys URL).
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JWKS_INVALID':
    case 'ERR_JOSE_GENERIC':
      return fail('CONSOLE_KEYS_UNAVAILABLE', 'Entra ID\'s signing keys could not be read; try again shortly.', err);
    // A bad signature, an unknown key, a malformed token, an algorithm we do not take: all the same to the caller.
    default:
      return fail('CONSOLE_TOKEN_INVALID', 'The sign-in could not be checked.', err);
  }
}

function scopesOf(payload: JWTPayload): string[] {
  return typeof payload.scp === 'string' ? payload.scp.split(' ') : [];
}

export function createSsoTokenVerifier(s: SsoTokenSettings): SsoTokenVerifier {
  const audience = audiencesOf(s);
  return {
    async verify(header) {
      const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(header ?? '');
      if (!match) throw fail('CONSOLE_TOKEN_MISSING', 'Sign-in is required: open the console in Teams.');
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(match[1]!, s.keys, {
          issuer: s.issuers,
          audience,
          algorithms: ['RS256'],
          clockTolerance: CLOCK_SKEW_SECONDS,
          currentDate: s.now(),
          requiredClaims: ['exp', 'nbf', 'iat', 'tid', 'oid'],
        }));
      } catch (err) {
        throw asVerifyError(err);
      }
      // The issuer names the tenant too, but the claim is what Entra documents for this check.
      if (payload.tid !== s.tenantId) throw fail('CONSOLE_TOKEN_WRONG_TENANT', 'The sign-in belongs to another organisation.');
      const client = typeof payload.azp === 'string' ? payload.azp : typeof payload.appid === 'string' ? payload.appid : '';
      if (!Object.hasOwn(TEAMS_CLIENT_APP_IDS, client)) throw fail('CONSOLE_TOKEN_WRONG_CLIENT', 'The sign-in was not asked for by Teams.');
      if (!scopesOf(payload).includes(CONSOLE_SCOPE)) throw fail('CONSOLE_TOKEN_WRONG_SCOPE', `The sign-in lacks the ${CONSOLE_SCOPE} scope.`);
      const oid = payload.oid;
      if (typeof oid !== 'string' || !/^[0-9a-f-]{36}$/i.test(oid)) throw fail('CONSOLE_TOKEN_INVALID', 'The sign-in names no person.');
      return { aadObjectId: oid.toLowerCase(), tenantId: s.tenantId, displayName: typeof payload.name === 'string' ? payload.name : null };
    },
  };
}

/**
 * The tenant's published signing keys, fetched through the service's own
 * HTTPS client (so RESETDESK_EXTRA_CA_FILE applies behind a TLS-inspecting
 * proxy) and cached by jose (10 minutes; a token naming an unknown key
 * refetches at most every 30 s, which covers Entra's key rollover).
 */
export function remoteTenantKeys(config: Pick<ConsoleConfig, 'jwksUrl'>, opts: { ca?: string; timeoutMs?: number } = {}): { keys: JWTVerifyGetKey; close(): void } {
  const transport = createHttpTransport({ ...(opts.ca ? { ca: opts.ca } : {}), maxResponseBytes: 512 * 1024 });
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const keys = createRemoteJWKSet(new URL(config.jwksUrl), {
    timeoutDuration: timeoutMs,
    [customFetch]: async (url: string) => {
      const answer = await transport.send({ url, method: 'GET', headers: { accept: 'application/json' }, timeoutMs });
      return new Response(answer.body, { status: answer.status, headers: { 'content-type': answer.headers['content-type'] ?? 'application/json' } });
    },
  });
  return { keys, close: () => transport.close() };
}

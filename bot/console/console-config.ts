// The console's settings, read from the environment once with the rest of
// the configuration (bot/config.ts calls this). The console is on when the
// service knows its public host name: the tab's SSO token is issued for
// `api://<host>/<app id>`, so without the host no token could be checked.
import { z } from 'zod';
import { isLoopbackHost } from '../config';

export interface ConsoleConfig {
  /** Public DNS name of the service, as in the Teams app package (`RESETDESK_PUBLIC_HOST`). */
  publicHost: string;
  /** The Entra app registration whose "Expose an API" the tab's token is for (the bot's by default). */
  appId: string;
  /** Where the tenant publishes the keys its tokens are signed with. */
  jwksUrl: string;
  /** Issuers accepted: the v2.0 endpoint of the tenant and its v1 form (sts.windows.net). */
  issuers: string[];
  /**
   * Origins, besides Teams' and Microsoft 365's own, that may frame the
   * console and speak the teams-js protocol to it (a sovereign-cloud host;
   * in dev mode, the local trial's Teams stand-in).
   */
  extraHostOrigins: string[];
  /** How long a person's role answer from Graph is reused (at most 60 s). */
  roleCacheMs: number;
  /** Dev mode only: the local trial's Teams stand-in, linked from the page opened outside Teams. */
  trialHostUrl: string | undefined;
}

const trimmed = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const consoleEnvSchema = z.object({
  RESETDESK_PUBLIC_HOST: trimmed,
  RESETDESK_CONSOLE_APP_ID: trimmed,
  RESETDESK_CONSOLE_JWKS_URL: trimmed,
  RESETDESK_CONSOLE_FRAME_ANCESTORS: trimmed,
  RESETDESK_CONSOLE_ROLE_CACHE_SECONDS: trimmed,
  RESETDESK_CONSOLE_TRIAL_HOST_URL: trimmed,
});

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// A DNS name as Entra accepts it in an Application ID URI: no scheme, port or path.
const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

export interface ConsoleConfigContext {
  devMode: boolean;
  tenantId: string | undefined;
  /** The bot's Microsoft App ID, the console app's default. */
  botAppId: string | undefined;
  /** Entra's sign-in host (GRAPH_AUTHORITY_HOST), for the default keys URL and the v2.0 issuer. */
  authorityHost: string;
}

/** An http(s) URL reaching only this machine counts as local; plain http is for dev mode only. */
function urlProblem(name: string, value: string, devMode: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${name}: must be a URL`;
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && devMode && isLoopbackHost(url.hostname)) return undefined;
  return `${name}: must be https (plain http only in dev mode, to this machine)`;
}

/** Reads the console's variables; `undefined` when RESETDESK_PUBLIC_HOST is unset (the console is off). */
export function readConsoleConfig(env: Record<string, string | undefined>, ctx: ConsoleConfigContext): { config: ConsoleConfig | undefined; problems: string[] } {
  const e = consoleEnvSchema.parse(env);
  const problems: string[] = [];
  if (!e.RESETDESK_PUBLIC_HOST) {
    const orphans = (Object.keys(e) as (keyof typeof e)[]).filter((k) => k !== 'RESETDESK_PUBLIC_HOST' && e[k] !== undefined);
    if (orphans.length > 0) problems.push(`${orphans.join(', ')}: the console is off without RESETDESK_PUBLIC_HOST (its tokens are issued for api://<host>/<app id>)`);
    return { config: undefined, problems };
  }
  const publicHost = e.RESETDESK_PUBLIC_HOST.toLowerCase();
  if (!DNS_NAME.test(publicHost)) problems.push('RESETDESK_PUBLIC_HOST: must be a DNS name such as resetdesk.contoso.com (no scheme, port or path)');

  const appId = (e.RESETDESK_CONSOLE_APP_ID ?? ctx.botAppId)?.toLowerCase();
  if (!appId) problems.push('RESETDESK_CONSOLE_APP_ID: required for the console when MicrosoftAppId is not set (the app registration that exposes the console\'s API)');
  else if (!GUID.test(appId)) problems.push('RESETDESK_CONSOLE_APP_ID: must be a GUID');

  const authority = ctx.authorityHost.replace(/\/+$/, '');
  const tenant = ctx.tenantId ?? '<tenant>';
  const jwksUrl = e.RESETDESK_CONSOLE_JWKS_URL ?? `${authority}/${tenant}/discovery/v2.0/keys`;
  const jwksProblem = e.RESETDESK_CONSOLE_JWKS_URL ? urlProblem('RESETDESK_CONSOLE_JWKS_URL', jwksUrl, ctx.devMode) : undefined;
  if (jwksProblem) problems.push(jwksProblem);

  const extraHostOrigins: string[] = [];
  for (const item of (e.RESETDESK_CONSOLE_FRAME_ANCESTORS ?? '').split(/[\s,]+/).filter(Boolean)) {
    const problem = urlProblem('RESETDESK_CONSOLE_FRAME_ANCESTORS', item, ctx.devMode);
    if (problem) {
      problems.push(`${problem} (got "${item}")`);
      continue;
    }
    const url = new URL(item);
    if (url.pathname !== '/' || url.search || url.hash || url.username) problems.push(`RESETDESK_CONSOLE_FRAME_ANCESTORS: "${item}" must be an origin, without a path`);
    else extraHostOrigins.push(url.origin);
  }

  let roleCacheMs = 30_000;
  if (e.RESETDESK_CONSOLE_ROLE_CACHE_SECONDS !== undefined) {
    const n = Number(e.RESETDESK_CONSOLE_ROLE_CACHE_SECONDS);
    if (!Number.isInteger(n) || n < 0 || n > 60) problems.push('RESETDESK_CONSOLE_ROLE_CACHE_SECONDS: must be a whole number from 0 to 60 (roles are checked on every call; this only spares Graph repeats)');
    else roleCacheMs = n * 1000;
  }

  const trialHostUrl = e.RESETDESK_CONSOLE_TRIAL_HOST_URL;
  if (trialHostUrl !== undefined) {
    if (!ctx.devMode) problems.push('RESETDESK_CONSOLE_TRIAL_HOST_URL: only in dev mode (it points at the local trial)');
    else {
      const problem = urlProblem('RESETDESK_CONSOLE_TRIAL_HOST_URL', trialHostUrl, true);
      if (problem) problems.push(problem);
      else if (!isLoopbackHost(new URL(trialHostUrl).hostname)) problems.push('RESETDESK_CONSOLE_TRIAL_HOST_URL: must be on this machine (loopback)');
    }
  }

  if (problems.length > 0 || !appId) return { config: undefined, problems };
  return {
    config: {
      publicHost,
      appId,
      jwksUrl,
      issuers: [`${authority}/${tenant}/v2.0`, `https://sts.windows.net/${tenant}/`],
      extraHostOrigins: [...new Set(extraHostOrigins)],
      roleCacheMs,
      trialHostUrl,
    },
    problems,
  };
}

// The bot service's configuration, read once from the environment at start-up
// and validated with zod into a typed object that is passed in. No other module
// reads process.env.
import { z } from 'zod';
import { ResetDeskError } from './errors';
import { DEFAULT_USAGE_LIMITS, limitRuleSchema, type LimitedAction, type UsageLimits } from './domain/usage-limits';
import { readConsoleConfig, type ConsoleConfig } from './console/console-config';

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
    .optional()
    .transform((v) => (v === undefined || v === '' ? fallback : ['true', '1', 'yes'].includes(v)));

const int = (fallback: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `must be a whole number from ${min} to ${max}` });
        return z.NEVER;
      }
      return n;
    });

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const optionalUrl = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v.trim() === '') return undefined;
    try {
      const u = new URL(v.trim());
      if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('scheme');
      return u.toString().replace(/\/$/, '');
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an http(s) URL' });
      return z.NEVER;
    }
  });

/** A usage limit such as `10/24h`; unset keeps the default. */
const limitRule = limitRuleSchema.optional();

// One variable per limited action; the name says what is counted.
const LIMIT_VARIABLES: Record<LimitedAction, string> = {
  wrong_code: 'RESETDESK_LIMIT_WRONG_CODES',
  mail_code: 'RESETDESK_LIMIT_MAIL_CODES',
  sms_code: 'RESETDESK_LIMIT_SMS_CODES',
  manager_card: 'RESETDESK_LIMIT_MANAGER_CARDS',
  request: 'RESETDESK_LIMIT_REQUESTS',
  change_failure: 'RESETDESK_LIMIT_CHANGE_FAILURES',
};

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const optionalGuid = optionalString.refine((v) => v === undefined || guid.test(v), 'must be a GUID');

/** Names and addresses that reach only this machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

const envSchema = z.object({
  PORT: int(3978, 0, 65535),
  HOST: optionalString,
  RESETDESK_MANAGEMENT_PORT: int(9464, 0, 65535),
  RESETDESK_MANAGEMENT_HOST: optionalString,
  RESETDESK_MANAGEMENT_TOKEN: optionalString.refine((v) => v === undefined || /^[\x21-\x7e]{32,512}$/.test(v), 'must be 32 to 512 printable characters without spaces'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional().default('info'),
  RESETDESK_DEV_MODE: bool(false),
  MicrosoftAppId: optionalGuid,
  MicrosoftAppPassword: optionalString,
  MicrosoftAppType: z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).optional().default('SingleTenant'),
  MicrosoftAppTenantId: optionalGuid,
  RESETDESK_TENANT_ID: optionalGuid,
  DATABASE_URL: optionalString.refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), 'must be a postgres:// URL'),
  RESETDESK_DATA_DIR: optionalString,
  GRAPH_CLIENT_ID: optionalGuid,
  GRAPH_CLIENT_SECRET: optionalString,
  GRAPH_AUTHORITY_HOST: optionalUrl,
  GRAPH_BASE_URL: optionalUrl,
  RESETDESK_EXTRA_CA_FILE: optionalString,
  GRAPH_TIMEOUT_MS: int(10_000, 100, 120_000),
  RESETDESK_MAIL_FROM: optionalString.refine((v) => v === undefined || v.includes('@'), 'must be a mailbox address'),
  SMS_PROVIDER_URL: optionalUrl,
  SMS_PROVIDER_API_KEY: optionalString,
  PWNED_RANGE_URL: optionalUrl,
  RESETDESK_PASSWORD_MIN_LENGTH: int(12, 8, 128),
  RESETDESK_METHODS_REQUIRED: int(1, 1, 3),
  RESETDESK_METHODS_REQUIRED_PRIVILEGED: int(2, 1, 3),
  RESETDESK_CODE_PEPPER: optionalString.refine((v) => v === undefined || v.length >= 32, 'must be at least 32 characters'),
  RESETDESK_APPROVER_GROUP_ID: optionalGuid,
  RESETDESK_APPROVER_CHANNEL_ID: optionalString.refine((v) => v === undefined || /^19:[^\s]+$/.test(v), 'must be a Teams channel id (19:...@thread.tacv2)'),
  RESETDESK_TEAMS_SERVICE_URL: optionalUrl,
  RESETDESK_HELPDESK_GROUP_ID: optionalGuid,
  RESETDESK_ADMIN_GROUP_ID: optionalGuid,
  RESETDESK_JOB_TTL_SECONDS: int(600, 30, 86_400),
  RESETDESK_INSPECT_TIMEOUT_SECONDS: int(30, 5, 120),
  RESETDESK_SIGNING_KEY_FILE: optionalString,
  RESETDESK_SIGNING_KEY_JWK: optionalString,
  RESETDESK_AGENT_AUDIENCE: optionalString.refine((v) => v === undefined || /^[\x21-\x7e]{3,200}$/.test(v), 'must be 3 to 200 printable characters without spaces'),
  RESETDESK_REVOKE_SESSIONS_AFTER_RESET: bool(false),
  RESETDESK_NOTIFY_MAIL_AFTER_RESET: bool(false),
  RESETDESK_APPROVALS_REQUIRED: int(1, 1, 5),
  RESETDESK_APPROVALS_REQUIRED_TIER0: int(2, 1, 5),
  RESETDESK_TIER0_GROUPS: optionalString.transform((v) => v?.split(',').map((g) => g.trim()).filter(Boolean)).refine(
    (v) => v === undefined || (v.length > 0 && v.length <= 50 && v.every((g) => g.length <= 64)),
    'a comma-separated list of group names',
  ),
  RESETDESK_APPROVAL_TIMEOUT_MINUTES: int(30, 5, 7 * 24 * 60),
  RESETDESK_HELPDESK_TEMPORARY_PASSWORD: z.enum(['verified-method', 'reveal-once']).optional().default('verified-method'),
  RESETDESK_DELIVERY_KEY_FILE: optionalString,
  RESETDESK_DELIVERY_KEY_JWK: optionalString,
  RESETDESK_AGENT_AUTO_CONFIRM: bool(false),
  RESETDESK_AGENT_SEEN_WITHIN_MINUTES: int(15, 1, 7 * 24 * 60),
  RESETDESK_LIMIT_WRONG_CODES: limitRule,
  RESETDESK_LIMIT_MAIL_CODES: limitRule,
  RESETDESK_LIMIT_SMS_CODES: limitRule,
  RESETDESK_LIMIT_MANAGER_CARDS: limitRule,
  RESETDESK_LIMIT_REQUESTS: limitRule,
  RESETDESK_LIMIT_CHANGE_FAILURES: limitRule,
});

export interface BotConfig {
  port: number;
  /** Where the public listener binds (Bot Framework, the agent gateway, /healthz); in dev mode always loopback. */
  host: string | undefined;
  /** /readyz and /metrics (and /healthz) on a listener of their own, loopback by default; a bearer token when set (required off loopback). */
  management: { port: number; host: string; token: string | undefined };
  logLevel: string;
  devMode: boolean;
  bot: {
    appId: string | undefined;
    appPassword: string | undefined;
    appType: 'MultiTenant' | 'SingleTenant' | 'UserAssignedMSI';
    appTenantId: string | undefined;
  };
  /** Activities from any other tenant are refused. */
  tenantId: string;
  storage: { databaseUrl: string | undefined; dataDir: string };
  graph: {
    tenantId: string;
    clientId: string | undefined;
    clientSecret: string | undefined;
    authorityHost: string;
    baseUrl: string;
    timeoutMs: number;
  };
  /** Extra CA (PEM file) trusted for outbound HTTPS: Graph, the SMS provider, the breached-password service (TLS-inspecting proxies). */
  extraCaFile: string | undefined;
  mailFrom: string | undefined;
  sms: { url: string; apiKey: string } | undefined;
  pwnedRangeUrl: string | undefined;
  passwordMinLength: number;
  methodsRequired: number;
  methodsRequiredPrivileged: number;
  /** Keys the hashes of one-time codes; in dev mode without one, the service keeps a generated one in its data folder. */
  codePepper: string | undefined;
  groups: { approvers: string | undefined; helpdesk: string | undefined; admins: string | undefined };
  /** Where approval cards for privileged accounts are posted (an admin can set another from Teams). */
  approverChannel: { channelId: string; serviceUrl: string } | undefined;
  /** Where a helpdesk reset's temporary password goes: the person's verified phone or address, or once to the helpdesk member in a dialog. */
  helpdesk: { temporaryPassword: 'verified-method' | 'reveal-once'; deliveryKey: { file: string } | { jwkJson: string } };
  /** Different approvers a privileged account needs, more for tier-0 groups; how long they have. */
  approvals: { required: number; requiredTier0: number; tier0Groups: string[] | undefined; ttlMs: number };
  jobTtlSeconds: number;
  /** How long a step waits for an agent to read an account (a Monday-morning wave queues these). */
  inspectTimeoutMs: number;
  writeback: {
    /** The service's job-signing key: a JWK file (created on first start when missing) or the JWK itself from a secret store. */
    signingKey: { file: string } | { jwkJson: string };
    /** Names this deployment to its agents; they refuse jobs for any other. */
    audience: string;
  };
  afterReset: { revokeSessions: boolean; notifyMail: boolean };
  /** Per person and per account, across requests: wrong codes, codes sent, manager cards, requests, wrong current passwords. */
  limits: UsageLimits;
  /** Newly enrolled agents wait for an admin unless auto-confirmed; passwords are sealed only to confirmed agents seen within the window. */
  agents: { autoConfirm: boolean; seenWithinMs: number };
  /** The helpdesk/approver/admin console (a Teams tab); undefined when RESETDESK_PUBLIC_HOST is unset. See bot/console/console-config.ts. */
  console: ConsoleConfig | undefined;
}

/** Where PGlite keeps its files inside the data folder (beside the service signing key). */
export function pgliteDirOf(dataDir: string): string {
  return `${dataDir.replace(/\/+$/, '')}/pglite`;
}

export class ConfigError extends ResetDeskError {
  constructor(readonly problems: string[]) {
    super('CONFIG_INVALID', `Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

// Dev mode runs without Bot Framework authentication: anyone who can reach
// /api/messages can speak as any person of the tenant. It must be asked for
// explicitly, never together with an app id (which of the two was meant?),
// and only on a listener that nothing but this machine can reach.

export function loadConfig(env: Record<string, string | undefined>): BotConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const problems: string[] = [];
  if (!e.MicrosoftAppId && !e.RESETDESK_DEV_MODE) {
    problems.push('MicrosoftAppId: required (set RESETDESK_DEV_MODE=true to run unauthenticated on a developer machine)');
  }
  if (e.RESETDESK_DEV_MODE && e.MicrosoftAppId) {
    problems.push('RESETDESK_DEV_MODE: cannot be used with MicrosoftAppId (dev mode turns Bot Framework authentication off; unset one of them)');
  }
  if (e.RESETDESK_DEV_MODE && e.HOST !== undefined && !isLoopbackHost(e.HOST)) {
    problems.push('HOST: dev mode listens on loopback only (127.0.0.1, ::1 or localhost), because it accepts unauthenticated activities');
  }
  const managementHost = e.RESETDESK_MANAGEMENT_HOST ?? '127.0.0.1';
  if (!isLoopbackHost(managementHost) && !e.RESETDESK_MANAGEMENT_TOKEN) {
    problems.push('RESETDESK_MANAGEMENT_TOKEN: required when RESETDESK_MANAGEMENT_HOST is not loopback (/readyz and /metrics would be open to the network)');
  }
  if (e.RESETDESK_TEAMS_SERVICE_URL) {
    const serviceUrl = new URL(e.RESETDESK_TEAMS_SERVICE_URL);
    if (serviceUrl.protocol !== 'https:' && !(e.RESETDESK_DEV_MODE && isLoopbackHost(serviceUrl.hostname))) {
      problems.push('RESETDESK_TEAMS_SERVICE_URL: must be https (http only in dev mode, to a connector on this machine such as the Agents Playground)');
    }
  }
  if (e.MicrosoftAppId && e.MicrosoftAppType !== 'UserAssignedMSI' && !e.MicrosoftAppPassword) {
    problems.push('MicrosoftAppPassword: required when MicrosoftAppId is set');
  }
  if (e.MicrosoftAppType === 'SingleTenant' && e.MicrosoftAppId && !e.MicrosoftAppTenantId) {
    problems.push('MicrosoftAppTenantId: required for a SingleTenant bot');
  }
  const tenantId = e.RESETDESK_TENANT_ID ?? e.MicrosoftAppTenantId;
  if (!tenantId) problems.push('RESETDESK_TENANT_ID: required (or MicrosoftAppTenantId): the Entra tenant whose users may use the bot');
  if (!e.RESETDESK_CODE_PEPPER && !e.RESETDESK_DEV_MODE) problems.push('RESETDESK_CODE_PEPPER: required, at least 32 random characters');
  if (e.RESETDESK_APPROVER_CHANNEL_ID && !e.RESETDESK_APPROVER_GROUP_ID) problems.push('RESETDESK_APPROVER_GROUP_ID: required with RESETDESK_APPROVER_CHANNEL_ID (only its members may approve)');
  if (e.RESETDESK_SIGNING_KEY_FILE && e.RESETDESK_SIGNING_KEY_JWK) problems.push('RESETDESK_SIGNING_KEY_FILE and RESETDESK_SIGNING_KEY_JWK: set one, not both');
  if (e.RESETDESK_DELIVERY_KEY_FILE && e.RESETDESK_DELIVERY_KEY_JWK) problems.push('RESETDESK_DELIVERY_KEY_FILE and RESETDESK_DELIVERY_KEY_JWK: set one, not both');
  if ((e.SMS_PROVIDER_URL === undefined) !== (e.SMS_PROVIDER_API_KEY === undefined)) {
    problems.push('SMS_PROVIDER_URL and SMS_PROVIDER_API_KEY: set both or neither');
  }
  const clientId = e.GRAPH_CLIENT_ID ?? e.MicrosoftAppId;
  const clientSecret = e.GRAPH_CLIENT_SECRET ?? e.MicrosoftAppPassword;
  if (!clientId || !clientSecret) {
    // Even in dev mode: every journey starts by looking the person up in Entra ID.
    problems.push('GRAPH_CLIENT_ID/GRAPH_CLIENT_SECRET: required (they default to MicrosoftAppId/MicrosoftAppPassword)');
  }
  const consoleSettings = readConsoleConfig(env, {
    devMode: e.RESETDESK_DEV_MODE,
    tenantId,
    botAppId: e.MicrosoftAppId,
    authorityHost: e.GRAPH_AUTHORITY_HOST ?? 'https://login.microsoftonline.com',
  });
  problems.push(...consoleSettings.problems);
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    port: e.PORT,
    host: e.RESETDESK_DEV_MODE ? (e.HOST ?? '127.0.0.1') : e.HOST,
    management: { port: e.RESETDESK_MANAGEMENT_PORT, host: managementHost, token: e.RESETDESK_MANAGEMENT_TOKEN },
    logLevel: e.LOG_LEVEL,
    devMode: e.RESETDESK_DEV_MODE,
    bot: { appId: e.MicrosoftAppId, appPassword: e.MicrosoftAppPassword, appType: e.MicrosoftAppType, appTenantId: e.MicrosoftAppTenantId },
    tenantId: tenantId!,
    storage: { databaseUrl: e.DATABASE_URL, dataDir: e.RESETDESK_DATA_DIR ?? '.data' },
    graph: {
      tenantId: tenantId!,
      clientId,
      clientSecret,
      authorityHost: e.GRAPH_AUTHORITY_HOST ?? 'https://login.microsoftonline.com',
      baseUrl: e.GRAPH_BASE_URL ?? 'https://graph.microsoft.com',
      timeoutMs: e.GRAPH_TIMEOUT_MS,
    },
    extraCaFile: e.RESETDESK_EXTRA_CA_FILE,
    mailFrom: e.RESETDESK_MAIL_FROM,
    sms: e.SMS_PROVIDER_URL && e.SMS_PROVIDER_API_KEY ? { url: e.SMS_PROVIDER_URL, apiKey: e.SMS_PROVIDER_API_KEY } : undefined,
    pwnedRangeUrl: e.PWNED_RANGE_URL,
    passwordMinLength: e.RESETDESK_PASSWORD_MIN_LENGTH,
    methodsRequired: e.RESETDESK_METHODS_REQUIRED,
    methodsRequiredPrivileged: Math.max(e.RESETDESK_METHODS_REQUIRED_PRIVILEGED, e.RESETDESK_METHODS_REQUIRED),
    codePepper: e.RESETDESK_CODE_PEPPER,
    groups: { approvers: e.RESETDESK_APPROVER_GROUP_ID, helpdesk: e.RESETDESK_HELPDESK_GROUP_ID, admins: e.RESETDESK_ADMIN_GROUP_ID },
    approverChannel: e.RESETDESK_APPROVER_CHANNEL_ID
      ? { channelId: e.RESETDESK_APPROVER_CHANNEL_ID, serviceUrl: e.RESETDESK_TEAMS_SERVICE_URL ?? 'https://smba.trafficmanager.net/teams' }
      : undefined,
    helpdesk: {
      temporaryPassword: e.RESETDESK_HELPDESK_TEMPORARY_PASSWORD,
      deliveryKey: e.RESETDESK_DELIVERY_KEY_JWK
        ? { jwkJson: e.RESETDESK_DELIVERY_KEY_JWK }
        : { file: e.RESETDESK_DELIVERY_KEY_FILE ?? `${e.RESETDESK_DATA_DIR ?? '.data'}/service-delivery-key.json` },
    },
    approvals: {
      required: e.RESETDESK_APPROVALS_REQUIRED,
      requiredTier0: Math.max(e.RESETDESK_APPROVALS_REQUIRED_TIER0, e.RESETDESK_APPROVALS_REQUIRED),
      tier0Groups: e.RESETDESK_TIER0_GROUPS,
      ttlMs: e.RESETDESK_APPROVAL_TIMEOUT_MINUTES * 60_000,
    },
    jobTtlSeconds: e.RESETDESK_JOB_TTL_SECONDS,
    inspectTimeoutMs: e.RESETDESK_INSPECT_TIMEOUT_SECONDS * 1000,
    writeback: {
      signingKey: e.RESETDESK_SIGNING_KEY_JWK
        ? { jwkJson: e.RESETDESK_SIGNING_KEY_JWK }
        : { file: e.RESETDESK_SIGNING_KEY_FILE ?? `${e.RESETDESK_DATA_DIR ?? '.data'}/service-signing-key.json` },
      audience: e.RESETDESK_AGENT_AUDIENCE ?? `resetdesk:${tenantId}`,
    },
    afterReset: { revokeSessions: e.RESETDESK_REVOKE_SESSIONS_AFTER_RESET, notifyMail: e.RESETDESK_NOTIFY_MAIL_AFTER_RESET },
    agents: { autoConfirm: e.RESETDESK_AGENT_AUTO_CONFIRM, seenWithinMs: e.RESETDESK_AGENT_SEEN_WITHIN_MINUTES * 60_000 },
    console: consoleSettings.config,
    limits: Object.fromEntries(
      (Object.keys(LIMIT_VARIABLES) as LimitedAction[]).map((action) => [action, e[LIMIT_VARIABLES[action] as keyof typeof e] ?? DEFAULT_USAGE_LIMITS[action]]),
    ) as unknown as UsageLimits,
  };
}

// The agent's configuration: read once at start-up from a JSON file and/or
// RESETDESK_AGENT_* environment variables (environment wins), validated with
// zod into a typed object that is passed in. The bind password only ever
// comes from a file or the environment and lives in a Secret.
import { readFile } from 'node:fs/promises';
import { resolve, dirname } from 'node:path';
import { z } from 'zod';
import { ConfigInvalidError } from './errors';
import { Secret } from './secret';
import { DnSyntaxError, parseDn } from './directory/dn';
import { groupEntryKind } from './directory/privilege';

/**
 * Extra protected groups by default: none. The built-in ones (Domain Admins,
 * Enterprise Admins, Administrators, the operators...) are always protected,
 * by their well-known SIDs, whatever this list says.
 */
export const DEFAULT_PROTECTED_GROUPS: readonly string[] = [];

/**
 * Jobs at once, by default: enough to keep a DC's password hashing busy on
 * a Monday-morning wave (bench/README.md), few enough that one agent's
 * connections are nothing to a DC.
 */
export const DEFAULT_CONCURRENCY = 4;

export interface AgentConfig {
  dcUrls: string[];
  startTls: boolean;
  caFile: string;
  /** PEM text of the CA the DC certificates must chain to. */
  ca: string;
  /** Host name expected in the DC certificate when it differs from the URL's host. */
  tlsServername: string | undefined;
  bindDn: string;
  bindPassword: Secret;
  baseDn: string;
  managedOus: string[];
  /** Extra protected groups, each a sAMAccountName, a DN or a SID; every one must exist. */
  protectedGroups: string[];
  enforceHistoryOnReset: boolean;
  connectTimeoutMs: number;
  operationTimeoutMs: number;
  /**
   * Jobs the daemon works on at once, each with a long-poll of its own and an
   * LDAP connection of its own (a DC serves one connection's requests one
   * after another, so parallel writes need parallel connections).
   */
  concurrency: number;
}

/** Each environment variable and the config-file field it sets. */
export const AGENT_ENV = {
  RESETDESK_AGENT_DC_URLS: 'dcUrls',
  RESETDESK_AGENT_START_TLS: 'startTls',
  RESETDESK_AGENT_CA_FILE: 'caFile',
  RESETDESK_AGENT_TLS_SERVERNAME: 'tlsServername',
  RESETDESK_AGENT_BIND_DN: 'bindDn',
  RESETDESK_AGENT_BIND_PASSWORD_FILE: 'bindPasswordFile',
  RESETDESK_AGENT_BASE_DN: 'baseDn',
  RESETDESK_AGENT_MANAGED_OUS: 'managedOus',
  RESETDESK_AGENT_PROTECTED_GROUPS: 'protectedGroups',
  RESETDESK_AGENT_ENFORCE_HISTORY_ON_RESET: 'enforceHistoryOnReset',
  RESETDESK_AGENT_CONNECT_TIMEOUT_MS: 'connectTimeoutMs',
  RESETDESK_AGENT_OPERATION_TIMEOUT_MS: 'operationTimeoutMs',
  RESETDESK_AGENT_CONCURRENCY: 'concurrency',
} as const;
export const BIND_PASSWORD_ENV = 'RESETDESK_AGENT_BIND_PASSWORD';
export const CONFIG_FILE_ENV = 'RESETDESK_AGENT_CONFIG';

const LIST_FIELDS = new Set(['dcUrls', 'managedOus', 'protectedGroups']);
const BOOL_FIELDS = new Set(['startTls', 'enforceHistoryOnReset']);
const NUMBER_FIELDS = new Set(['connectTimeoutMs', 'operationTimeoutMs', 'concurrency']);

const dn = z.string().trim().min(1).refine(
  (v) => {
    try {
      parseDn(v);
      return true;
    } catch (err) {
      if (err instanceof DnSyntaxError) return false;
      throw err;
    }
  },
  { message: 'is not a valid distinguished name' },
);

// AD forbids these in a group's sAMAccountName; a DN or SID is told apart by its shape.
const GROUP_NAME_FORBIDDEN = /["/\\[\]:;|=,+*?<>\p{Cc}]/u;
const protectedGroup = z.string().trim().min(1).max(1024).superRefine((v, ctx) => {
  const kind = groupEntryKind(v);
  if (kind === 'dn' && !dn.safeParse(v).success) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(v)} is not a valid distinguished name` });
  if (kind === 'name' && (v.length > 256 || GROUP_NAME_FORBIDDEN.test(v))) {
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(v)} is not a group name (sAMAccountName), a DN or a SID` });
  }
});

const ldapUrl = z.string().trim().regex(/^ldaps?:\/\/[^/\s:]+(:\d{1,5})?\/?$/i, 'must look like ldaps://dc1.example.com[:636] or ldap://dc1.example.com[:389]');

const fileSchema = z.strictObject({
  dcUrls: z.array(ldapUrl).min(1, 'needs at least one domain controller URL'),
  startTls: z.boolean().default(false),
  caFile: z.string().min(1),
  tlsServername: z.string().min(1).optional(),
  bindDn: z.string().trim().min(1, 'needs the service account DN or UPN'),
  bindPasswordFile: z.string().min(1).optional(),
  baseDn: dn,
  managedOus: z.array(dn).min(1, 'needs at least one OU the agent may change'),
  protectedGroups: z.array(protectedGroup).max(100).default([...DEFAULT_PROTECTED_GROUPS]),
  enforceHistoryOnReset: z.boolean().default(false),
  connectTimeoutMs: z.number().int().min(100).max(120_000).default(5_000),
  operationTimeoutMs: z.number().int().min(100).max(600_000).default(15_000),
  concurrency: z.number().int().min(1).max(32).default(DEFAULT_CONCURRENCY),
}).superRefine((cfg, ctx) => {
  cfg.dcUrls.forEach((url, i) => {
    if (/^ldap:/i.test(url) && !cfg.startTls) {
      ctx.addIssue({ code: 'custom', path: ['dcUrls', i], message: `${url} is plain LDAP: set startTls to true or use ldaps://` });
    }
  });
});

function envValue(field: string, raw: string): unknown {
  if (LIST_FIELDS.has(field)) {
    // DNs contain commas, so lists in the environment are separated by ';' (URLs may also use ',').
    const sep = field === 'dcUrls' ? /[;,]/ : /;/;
    return raw.split(sep).map((s) => s.trim()).filter(Boolean);
  }
  if (BOOL_FIELDS.has(field)) {
    if (/^(true|1|yes)$/i.test(raw)) return true;
    if (/^(false|0|no)$/i.test(raw)) return false;
    return raw;
  }
  if (NUMBER_FIELDS.has(field)) return /^\d+$/.test(raw.trim()) ? Number(raw) : raw;
  return raw;
}

export interface LoadConfigOptions {
  /** Path of the JSON config file; defaults to $RESETDESK_AGENT_CONFIG. */
  file?: string;
  env?: NodeJS.ProcessEnv;
}

/** Reads, merges and validates the configuration; throws ConfigInvalidError naming the wrong field. */
export async function loadAgentConfig(opts: LoadConfigOptions = {}): Promise<AgentConfig> {
  const env = opts.env ?? process.env;
  const file = opts.file ?? env[CONFIG_FILE_ENV];
  let raw: Record<string, unknown> = {};
  if (file) {
    const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new ConfigInvalidError(file, `cannot read the config file (${err.code ?? 'error'})`);
    });
    try {
      const parsed: unknown = JSON.parse(text);
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      raw = parsed as Record<string, unknown>;
    } catch {
      throw new ConfigInvalidError(file, 'is not a JSON object');
    }
    if ('bindPassword' in raw) {
      throw new ConfigInvalidError('bindPassword', `do not put the password in the config file; use bindPasswordFile or ${BIND_PASSWORD_ENV}`);
    }
  }
  const fromEnv = new Map<string, string>();
  for (const [name, field] of Object.entries(AGENT_ENV)) {
    const value = env[name];
    if (value !== undefined && value !== '') {
      raw[field] = envValue(field, value);
      fromEnv.set(field, name);
    }
  }

  const result = fileSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const top = String(issue.path[0] ?? '(config)');
    const field = issue.path.length ? issue.path.map(String).join('.') : '(config)';
    const named = fromEnv.has(top) ? `${field} (${fromEnv.get(top)})` : field;
    throw new ConfigInvalidError(named, issue.message);
  }
  const cfg = result.data;
  // Relative paths in a config file are relative to that file, as admins expect.
  const base = file ? dirname(resolve(file)) : process.cwd();
  const caFile = resolve(base, cfg.caFile);
  const ca = await readFile(caFile, 'utf8').catch(() => {
    throw new ConfigInvalidError('caFile', `cannot read ${caFile}`);
  });
  if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigInvalidError('caFile', `${caFile} holds no PEM certificate`);

  let password = env[BIND_PASSWORD_ENV];
  if (!password && cfg.bindPasswordFile) {
    const pwFile = resolve(base, cfg.bindPasswordFile);
    password = (await readFile(pwFile, 'utf8').catch(() => {
      throw new ConfigInvalidError('bindPasswordFile', `cannot read ${pwFile}`);
    })).replace(/\r?\n$/, '');
  }
  if (!password) throw new ConfigInvalidError('bindPassword', `set bindPasswordFile or ${BIND_PASSWORD_ENV}`);

  return {
    dcUrls: cfg.dcUrls,
    startTls: cfg.startTls,
    caFile,
    ca,
    tlsServername: cfg.tlsServername,
    bindDn: cfg.bindDn,
    bindPassword: new Secret(password),
    baseDn: cfg.baseDn,
    managedOus: cfg.managedOus,
    protectedGroups: cfg.protectedGroups,
    enforceHistoryOnReset: cfg.enforceHistoryOnReset,
    connectTimeoutMs: cfg.connectTimeoutMs,
    operationTimeoutMs: cfg.operationTimeoutMs,
    concurrency: cfg.concurrency,
  };
}

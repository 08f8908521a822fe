// resetdesk-admin: service-side administration from a shell on the service's machine.
//   npm run admin -- enrollment-code [--ttl-minutes N] [--created-by NAME]
//   npm run admin -- agents                      (list them, with key thumbprints)
//   npm run admin -- agents confirm <id|name>    (after comparing the thumbprint the agent printed)
//   npm run admin -- agents revoke <id|name>
// While the service runs, the CLI asks it through its management listener
// (RESETDESK_MANAGEMENT_HOST/PORT, with RESETDESK_MANAGEMENT_TOKEN or the
// token file in the data folder), which works with PGlite too. When nothing
// answers there, it opens the same store the service uses (DATABASE_URL, or
// PGlite in RESETDESK_DATA_DIR) itself.
import { mkdir } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { confirmAgentAs, listAgentViews, revokeAgentAs, type AgentView } from './admin/agent-admin';
import { isLoopbackHost, pgliteDirOf } from './config';
import { isResetDeskError, ResetDeskError } from './errors';
import { MANAGEMENT_TOKEN_FILE, readSecretFile } from './secret-files';
import { openStore, type Store } from './store';
import { DEFAULT_SEAL_TO_AGENTS_SEEN_WITHIN_MS } from './writeback';
import { issueEnrollmentCode } from './writeback/enrollment-codes';

export interface AdminIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
}

const EnvSchema = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
  RESETDESK_DATA_DIR: z.string().min(1).optional(),
  RESETDESK_MANAGEMENT_HOST: z.string().min(1).optional(),
  RESETDESK_MANAGEMENT_PORT: z.string().regex(/^\d{1,5}$/, 'must be a port number').optional(),
  RESETDESK_MANAGEMENT_TOKEN: z.string().min(32).optional(),
  RESETDESK_AGENT_SEEN_WITHIN_MINUTES: z.string().regex(/^\d{1,5}$/).optional(),
});
type AdminEnv = z.infer<typeof EnvSchema>;

const USAGE = [
  'usage: resetdesk-admin enrollment-code [--ttl-minutes N] [--created-by NAME]',
  '       resetdesk-admin agents [list]',
  '       resetdesk-admin agents confirm <agent id or name>',
  '       resetdesk-admin agents revoke <agent id or name>',
  '',
].join('\n');

/** What the CLI can do, whether the running service does it or the CLI opens the store itself. */
interface AdminBackend {
  readonly via: string;
  listAgents(): Promise<AgentView[]>;
  confirmAgent(ref: string, by: string): Promise<AgentView>;
  revokeAgent(ref: string, by: string): Promise<AgentView>;
  issueEnrollmentCode(by: string, ttlMinutes: number): Promise<{ code: string; expiresAt: string }>;
  close(): Promise<void>;
}

function parseCodeFlags(args: string[]): { ttlMinutes: number; createdBy: string | undefined } | string {
  let ttlMinutes = 15;
  let createdBy: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    const value = args[i + 1];
    if (flag === '--ttl-minutes' && value !== undefined) {
      if (!/^\d{1,2}$/.test(value) || Number(value) < 1 || Number(value) > 60) return '--ttl-minutes is a whole number from 1 to 60';
      ttlMinutes = Number(value);
      i++;
    } else if (flag === '--created-by' && value !== undefined) {
      createdBy = value;
      i++;
    } else {
      return `unknown or incomplete option ${flag}`;
    }
  }
  return { ttlMinutes, createdBy };
}

type Command =
  | { kind: 'enrollment-code'; ttlMinutes: number; createdBy: string | undefined }
  | { kind: 'agents' }
  | { kind: 'confirm' | 'revoke'; ref: string };

function parseCommand(argv: string[]): Command | string {
  const [command, ...rest] = argv;
  if (command === 'enrollment-code') {
    const flags = parseCodeFlags(rest);
    return typeof flags === 'string' ? flags : { kind: 'enrollment-code', ...flags };
  }
  if (command === 'agents') {
    const [sub, ref, ...extra] = rest;
    if (sub === undefined || (sub === 'list' && ref === undefined)) return { kind: 'agents' };
    if ((sub === 'confirm' || sub === 'revoke') && ref && extra.length === 0) return { kind: sub, ref };
    return `unknown or incomplete agents command ${rest.join(' ')}`;
  }
  return command ? `unknown command ${command}` : 'no command given';
}

function dataDirOf(env: AdminEnv): string {
  return env.RESETDESK_DATA_DIR ?? '.data';
}

/** The running service's management API, if it answers; undefined when nothing listens there. */
async function serviceBackend(env: AdminEnv): Promise<AdminBackend | undefined> {
  const host = env.RESETDESK_MANAGEMENT_HOST ?? '127.0.0.1';
  const base = `http://${host.includes(':') ? `[${host}]` : host}:${env.RESETDESK_MANAGEMENT_PORT ?? '9464'}`;
  const alive = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false);
  if (!alive) return undefined;
  const tokenFile = join(dataDirOf(env), MANAGEMENT_TOKEN_FILE);
  const token = env.RESETDESK_MANAGEMENT_TOKEN ?? (await readSecretFile(tokenFile));
  if (!token) {
    throw new ResetDeskError('ADMIN_NO_TOKEN', `The service answers at ${base}, but there is no management token here: set RESETDESK_MANAGEMENT_TOKEN, or run this as the service's user with its RESETDESK_DATA_DIR (the token is in ${tokenFile}).`);
  }
  if (!isLoopbackHost(host) && base.startsWith('http:')) {
    // The token would cross the network in clear.
    throw new ResetDeskError('ADMIN_INSECURE', `The management listener ${base} is not on this machine; run the admin CLI on the service's machine.`);
  }
  async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(15_000),
    });
    const answer = (await res.json().catch(() => ({}))) as T & { code?: string; message?: string };
    if (!res.ok) throw new ResetDeskError(answer.code ?? 'ADMIN_FAILED', answer.message ?? `The service answered ${res.status}.`);
    return answer;
  }
  return {
    via: `the running service (${base})`,
    listAgents: async () => (await call<{ agents: AgentView[] }>('GET', '/admin/agents')).agents,
    confirmAgent: (ref, by) => call('POST', `/admin/agents/${encodeURIComponent(ref)}/confirm`, { by }),
    revokeAgent: (ref, by) => call('POST', `/admin/agents/${encodeURIComponent(ref)}/revoke`, { by }),
    issueEnrollmentCode: (by, ttlMinutes) => call('POST', '/admin/enrollment-codes', { by, ttlMinutes }),
    close: async () => undefined,
  };
}

/** The store itself, when the service is not running. */
async function storeBackend(env: AdminEnv): Promise<AdminBackend> {
  let store: Store;
  if (env.DATABASE_URL) {
    store = await openStore({ databaseUrl: env.DATABASE_URL });
  } else {
    const dataDir = dataDirOf(env);
    // The service makes this folder on its first start; the CLI may come first on a fresh install.
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    store = await openStore({ dataDir: pgliteDirOf(dataDir) }).catch((err: unknown) => {
      throw new ResetDeskError('ADMIN_STORE_UNAVAILABLE', `Cannot open the data folder ${dataDir} (${(err as Error).message.split('\n')[0]}). If the service is running, set RESETDESK_MANAGEMENT_PORT to its management port.`);
    });
  }
  const windows = { seenWithinMs: env.RESETDESK_AGENT_SEEN_WITHIN_MINUTES ? Number(env.RESETDESK_AGENT_SEEN_WITHIN_MINUTES) * 60_000 : DEFAULT_SEAL_TO_AGENTS_SEEN_WITHIN_MS };
  return {
    via: env.DATABASE_URL ? 'the database (the service is not running here)' : `the data folder ${dataDirOf(env)} (the service is not running)`,
    listAgents: () => listAgentViews(store, new Date(), windows),
    confirmAgent: (ref, by) => confirmAgentAs(store, ref, by, new Date(), windows),
    revokeAgent: (ref, by) => revokeAgentAs(store, ref, by, new Date(), windows),
    async issueEnrollmentCode(by, ttlMinutes) {
      const issued = await issueEnrollmentCode(store, { createdBy: by, ttlSeconds: ttlMinutes * 60 });
      return { code: issued.code, expiresAt: issued.expiresAt.toISOString() };
    },
    close: () => store.close(),
  };
}

function agentTable(agents: AgentView[]): string {
  if (agents.length === 0) return 'No agent is enrolled yet. Issue a code with `npm run admin -- enrollment-code`.\n';
  const rows = agents.map((a) => [a.name, a.id, a.keyThumbprint, a.status, a.version ?? '-', a.lastSeenAt ?? 'never', a.enrolledAt]);
  const head = ['NAME', 'ID', 'KEY THUMBPRINT', 'STATUS', 'VERSION', 'LAST SEEN', 'ENROLLED'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].join('\n') + '\n';
}

export async function main(argv: string[], io: AdminIo): Promise<number> {
  const command = parseCommand(argv);
  if (typeof command === 'string') {
    io.stderr(`${command}\n${USAGE}`);
    return 2;
  }
  const parsedEnv = EnvSchema.safeParse(Object.fromEntries(Object.entries(io.env).filter(([, v]) => v !== ''))); 
  if (!parsedEnv.success) {
    io.stderr(`configuration: ${parsedEnv.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}\n`);
    return 3;
  }
  const env = parsedEnv.data;
  const me = `cli:${userInfo().username}`;
  let backend: AdminBackend | undefined;
  try {
    backend = (await serviceBackend(env)) ?? (await storeBackend(env));
    switch (command.kind) {
      case 'enrollment-code': {
        const { code, expiresAt } = await backend.issueEnrollmentCode(command.createdBy ?? me, command.ttlMinutes);
        io.stdout(`${code}\n`);
        io.stderr(`One-time enrollment code; it expires at ${expiresAt} and works once.\n`
          + 'On the agent server: resetdesk-agent enroll --service https://<bot-host> --config <agent config> --state-dir <state folder> (the code in $RESETDESK_AGENT_ENROLLMENT_CODE or --code)\n'
          + 'Then compare the key thumbprint the agent prints with `npm run admin -- agents` and confirm it.\n');
        return 0;
      }
      case 'agents':
        io.stdout(agentTable(await backend.listAgents()));
        return 0;
      case 'confirm': {
        const agent = await backend.confirmAgent(command.ref, me);
        io.stdout(`✔ agent ${agent.name} (${agent.id}) confirmed; key thumbprint ${agent.keyThumbprint}. It is sealed jobs from now on.\n`);
        return 0;
      }
      case 'revoke': {
        const agent = await backend.revokeAgent(command.ref, me);
        io.stdout(`✔ agent ${agent.name} (${agent.id}) revoked. It gets no more jobs, and no new password is sealed to its key.\n`);
        return 0;
      }
    }
    return 2;
  } catch (err) {
    io.stderr(`✖ ${isResetDeskError(err) ? `${err.message} [${err.code}]` : (err as Error).message}\n`);
    return 1;
  } finally {
    await backend?.close();
  }
}

if (require.main === module) {
  void main(process.argv.slice(2), { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t), env: process.env }).then((code) => {
    process.exitCode = code;
  });
}

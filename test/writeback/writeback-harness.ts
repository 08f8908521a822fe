// Real parts for writeback tests, in one place: bot replicas (the real HTTP
// server with the agent gateway on an ephemeral port), agent processes
// spawned from the real CLI, and helpers to wait for finished jobs.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'ldapts';
import type { Server } from 'restify';
import { loadConfig } from '../../bot/config';
import { createServer, listen } from '../../bot/http/server';
import type { Logger } from '../../bot/log';
import { createMetrics } from '../../bot/metrics';
import type { Store, StoreEngineKind } from '../../bot/store';
import { createAdapter } from '../../bot/teams/adapter';
import { generateServiceSigningKey, ServiceSigningKey } from '../../bot/writeback/crypto';
import { createWritebackChannel, issueEnrollmentCode, type JobFinishedEvent, type WritebackChannel } from '../../bot/writeback';
import { adminClient, createUser, sidToString, testDirectory, type TestAccount, type TestDirectory } from '../support/test-directory';
import { writeAgentConfigFile } from '../agent/agent-test-config';
import { loadEnrollment } from '../../agent/daemon/agent-state';
import { createTestStore, type TestStore } from '../../bot/store/testing';
import { countCalls, type CallCount } from '../support/count-calls';
import { capturedLogger } from '../support/failures';
import { createLeaseToken, generateAgentKeys } from '../../agent/protocol';

const REPO = resolve(__dirname, '../..');
export const AUDIENCE = 'resetdesk-test-deployment';

export async function newSigningKey(): Promise<ServiceSigningKey> {
  return ServiceSigningKey.fromJwk((await generateServiceSigningKey()).privateJwk);
}

/** A password that is also a canary: it must never show up in a table or a log. */
export function canaryPassword(): string {
  return `Cn-${randomBytes(9).toString('base64url')}-7xQ!`;
}

export interface Replica {
  url: string;
  channel: WritebackChannel;
  server: Server;
  /** Every finished event this replica's listener heard. */
  events: JobFinishedEvent[];
  finished(jobId: string, timeoutMs?: number): Promise<JobFinishedEvent>;
  close(): Promise<void>;
}

export interface ReplicaOptions {
  store: Store;
  signingKey: ServiceSigningKey;
  logger: Logger;
  leaseMs?: number;
  jobTtlSeconds?: number;
  sweepIntervalMs?: number;
  agentAliveWithinMs?: number;
  /** How long a lease call waits for work (a short one makes agents notice a revocation sooner). */
  longPollMs?: number;
  /** Do not add the collecting listener (a test adds its own). */
  noListener?: boolean;
  /** Serve the gateway without starting the service (no sweeper, no result delivery): a replica about to crash. */
  noStart?: boolean;
  now?: () => Date;
}

export async function startReplica(o: ReplicaOptions): Promise<Replica> {
  const metrics = createMetrics();
  // Dev mode: the gateway is what is under test, not Bot Framework authentication.
  const config = loadConfig({
    RESETDESK_DEV_MODE: 'true', RESETDESK_TENANT_ID: '72f988bf-86f1-41af-91ab-2d7cd011db47',
    GRAPH_CLIENT_ID: '00000000-0000-4000-8000-000000000001', GRAPH_CLIENT_SECRET: 'not-used-here',
  });
  const channel = createWritebackChannel({
    store: o.store,
    signingKey: o.signingKey,
    audience: AUDIENCE,
    logger: o.logger,
    metrics,
    ...(o.leaseMs ? { leaseMs: o.leaseMs } : {}),
    ...(o.jobTtlSeconds ? { jobTtlSeconds: o.jobTtlSeconds } : {}),
    sweepIntervalMs: o.sweepIntervalMs ?? 500,
    ...(o.agentAliveWithinMs ? { agentAliveWithinMs: o.agentAliveWithinMs } : {}),
    ...(o.longPollMs ? { longPollMs: o.longPollMs } : {}),
    ...(o.now ? { now: o.now } : {}),
  });
  const server = createServer({ adapter: createAdapter(config, o.logger), onTurn: async () => undefined, logger: o.logger, metrics, routes: channel.routes });
  const { url } = await listen(server, 0, '127.0.0.1');
  const events: JobFinishedEvent[] = [];
  const waiting = new Map<string, (e: JobFinishedEvent) => void>();
  if (!o.noListener) {
    channel.onJobFinished(async (event) => {
      events.push(event);
      waiting.get(event.job.id)?.(event);
    });
  }
  if (!o.noStart) await channel.start();
  return {
    url,
    channel,
    server,
    events,
    finished(jobId, timeoutMs = 30_000) {
      const seen = events.find((e) => e.job.id === jobId);
      if (seen) return Promise.resolve(seen);
      return withTimeout(new Promise<JobFinishedEvent>((r) => waiting.set(jobId, r)), timeoutMs, `job ${jobId} to finish`);
    },
    async close() {
      await channel.stop();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface AgentProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<ProcessResult>;
  /** Graceful stop (SIGTERM) and wait for the exit. */
  stop(): Promise<ProcessResult>;
  /** Resolves when a log line containing `text` appeared. */
  waitForLog(text: string, timeoutMs?: number): Promise<void>;
}

/** Runs the real agent CLI in its own process (node with tsx's loader). */
export function agentCli(args: string[], env: NodeJS.ProcessEnv = {}): AgentProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'agent/cli.ts'), ...args], {
    cwd: REPO,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const watchers: { text: string; resolve: () => void }[] = [];
  const check = (): void => {
    for (const w of [...watchers]) if (stdout.includes(w.text) || stderr.includes(w.text)) {
      watchers.splice(watchers.indexOf(w), 1);
      w.resolve();
    }
  };
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString('utf8');
    check();
  });
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString('utf8');
    check();
  });
  const exited = new Promise<ProcessResult>((r) => child.once('exit', (code, signal) => r({ code, signal, stdout, stderr })));
  return {
    child,
    output: () => `${stdout}\n${stderr}`,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return withTimeout(exited, 30_000, 'the agent to stop');
    },
    waitForLog(text, timeoutMs = 20_000) {
      return withTimeout(new Promise<void>((r) => {
        watchers.push({ text, resolve: r });
        check();
      }), timeoutMs, `agent log "${text}"`);
    },
  };
}

/**
 * Enrolls a fresh agent (new state folder) through the real CLI and, as an
 * admin would after comparing its key thumbprint, confirms it (unless told
 * not to); returns its state folder.
 */
export async function enrollAgent(store: Store, serviceUrl: string, configFile: string, name = 'agent-test', opts: { confirm?: boolean } = {}): Promise<string> {
  const stateDir = await mkdtemp(join(tmpdir(), 'resetdesk-agent-state-'));
  const { code } = await issueEnrollmentCode(store, { createdBy: 'test-admin' });
  const result = await agentCli(['--config', configFile, 'enroll', '--service', serviceUrl, '--state-dir', stateDir, '--name', name], { RESETDESK_AGENT_ENROLLMENT_CODE: code }).exited;
  if (result.code !== 0) throw new Error(`enroll failed: ${result.stderr}`);
  if (opts.confirm !== false) {
    const agentId = await agentIdOf(stateDir);
    await store.confirmAgent(agentId, 'test-admin', { actor: { kind: 'admin', id: 'test-admin' }, action: 'agent.confirmed' });
  }
  return stateDir;
}

/** Starts `agent run` and waits until it is polling. */
export async function runAgent(configFile: string, stateDir: string, env: NodeJS.ProcessEnv = {}): Promise<AgentProcess> {
  const agent = agentCli(['run', '--config', configFile, '--state-dir', stateDir], env);
  await agent.waitForLog('waiting for jobs');
  return agent;
}

/** The SID of an account, as Graph's onPremisesSecurityIdentifier would give it. */
export async function sidOf(dir: TestDirectory, client: Client, dn: string): Promise<string> {
  const { searchEntries } = await client.search(dn, { scope: 'base', attributes: ['objectSid'], explicitBufferAttributes: ['objectSid'] });
  void dir;
  return sidToString(searchEntries[0]!.objectSid as Buffer);
}

/** Creates a request and queues its job in the same transition, as the journey does. */
export async function queueForRequest(
  store: Store,
  channel: WritebackChannel,
  input: { kind: 'reset' | 'unlock' | 'change'; sid: string; upn: string; sam: string; password?: string; currentPassword?: string; options?: { mustChangeAtNextLogon?: boolean; approvedPrivileged?: boolean } },
): Promise<{ requestId: string; jobId: string; queuedAt: number }> {
  const request = await store.createRequest(
    {
      tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
      ownerAadId: `aad-${randomBytes(6).toString('hex')}`,
      kind: input.kind,
      methodsRequired: 1,
      subject: { onPremisesSid: input.sid, samAccountName: input.sam, upn: input.upn, displayName: input.sam, domain: 'CORP' },
      expiresAt: new Date(Date.now() + 3600_000),
    },
    { actor: { kind: 'user' }, action: 'request.created' },
  );
  const job = await channel.prepareJob({
    requestId: request.id,
    kind: input.kind,
    target: { sid: input.sid, upn: input.upn },
    options: input.options ?? {},
    ...(input.password ? { password: input.password } : {}),
    ...(input.currentPassword ? { currentPassword: input.currentPassword } : {}),
  });
  const queuedAt = Date.now();
  await store.transitionRequest(request.id, request.version, { state: 'queued' }, { actor: { kind: 'system' }, action: 'request.queued' }, { enqueueJob: job });
  return { requestId: request.id, jobId: job.id, queuedAt };
}

export async function agentIdOf(stateDir: string): Promise<string> {
  return (await loadEnrollment(stateDir)).agentId;
}

export { canBind, lockOut } from '../support/test-directory';

export interface WritebackDirectory {
  dir: TestDirectory;
  /** A connection as the domain administrator, for setting the scene. */
  admin: Client;
  /** An agent config file (and password file) as an admin would write it, for the least-privileged service account. */
  configFile: string;
  /** A new user in `ou` (the managed staff OU by default) with its SID, as Graph would name it. */
  freshUser(prefix: string, ou?: string): Promise<TestAccount & { sid: string }>;
}

/**
 * The directory side every writeback test file shares, opened before the
 * file's tests and closed after them; the fields are filled in by then.
 */
export function useWritebackDirectory(): WritebackDirectory {
  let seq = 0;
  const world = {
    async freshUser(prefix: string, ou?: string) {
      seq += 1;
      const account = await createUser(world.dir, world.admin, `${prefix}${seq}${Date.now().toString(36).slice(-5)}`, ou ?? world.dir.staffOu);
      return { ...account, sid: await sidOf(world.dir, world.admin, account.dn) };
    },
  } as WritebackDirectory;
  beforeAll(async () => {
    world.dir = await testDirectory();
    world.admin = await adminClient(world.dir);
    world.configFile = await writeAgentConfigFile(world.dir, world.dir.service);
  });
  afterAll(async () => {
    await world.admin?.unbind();
  });
  return world;
}

/**
 * An agent registered and confirmed straight in the store, with no agent
 * process: for gateway tests that play the agent's calls themselves.
 */
export async function confirmedAgentInStore(store: Store, name: string): Promise<{
  agentId: string;
  keys: Awaited<ReturnType<typeof generateAgentKeys>>;
  /** A call to the gateway as this agent, with a fresh token. */
  call: (serviceUrl: string, path: string, body: unknown) => Promise<{ status: number; json: unknown }>;
  /** A token for one call as this agent. */
  token: () => Promise<string>;
}> {
  const keys = await generateAgentKeys();
  const agent = await store.registerAgent(
    { name, signingJwk: keys.publicKeys.signingJwk, encryptionJwk: keys.publicKeys.encryptionJwk, managedOus: ['OU=Staff,DC=example,DC=test'] },
    { actor: { kind: 'admin', id: 'test' }, action: 'agent.registered' },
  );
  await store.confirmAgent(agent.id, 'test', { actor: { kind: 'admin', id: 'test' }, action: 'agent.confirmed' });
  const token = () => createLeaseToken(keys.privateJwks.signingJwk, { agentId: agent.id, audience: AUDIENCE });
  const call = async (serviceUrl: string, path: string, body: unknown) => {
    const res = await fetch(`${serviceUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await token()}` },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: res.status === 204 ? null : await res.json() };
  };
  return { agentId: agent.id, keys, call, token };
}

export interface GatewayWithAgent {
  ts: TestStore;
  replica: Replica;
  agent: Awaited<ReturnType<typeof confirmedAgentInStore>>;
  /** The store's leaseJob calls so far. */
  leaseQueries: CallCount;
  /** Queues an unlock job with nothing signed in it (the gateway does not read it); its id. */
  enqueue(): Promise<string>;
}

/**
 * A replica's gateway on a store (PGlite unless told) with one agent confirmed in the
 * store, for tests that play the agent's calls themselves; opened before the
 * file's tests and closed after them, the fields filled in by then.
 */
export function useGatewayWithAgent(agentName: string, engine: StoreEngineKind = 'pglite'): GatewayWithAgent {
  const log = capturedLogger();
  const world = {
    async enqueue() {
      const id = randomUUID();
      await world.ts.store.enqueueJob({ id, kind: 'unlock', signedJob: 'not.read.here', expiresAt: new Date(Date.now() + 600_000) });
      return id;
    },
  } as GatewayWithAgent;
  beforeAll(async () => {
    world.ts = await createTestStore(engine);
    world.leaseQueries = countCalls(world.ts.store, 'leaseJob');
    world.replica = await startReplica({ store: world.ts.store, signingKey: await newSigningKey(), logger: log.logger });
    world.agent = await confirmedAgentInStore(world.ts.store, agentName);
  });
  afterAll(async () => {
    await world.replica?.close();
    await world.ts?.cleanup();
  });
  return world;
}

// The bot service as `npm start` runs it, in processes of its own (bot/main.ts,
// configured only through the environment), for tests that kill it: replicas
// on one PostgreSQL, or one service on a PGlite data folder. The outside world
// is the usual local stand-ins (Graph, SMS, the Bot Framework connector) and
// the run's Samba DC; agents are enrolled and confirmed through the service's
// own admin API, as an admin would.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'ldapts';
import { createScratchDatabase } from '../../bot/store/testing';
import { generateServiceSigningKey } from '../../bot/writeback/crypto';
import { writeAgentConfigFile } from '../agent/agent-test-config';
import { agentCli, agentIdOf, runAgent, withTimeout, type AgentProcess } from '../writeback/writeback-harness';
import { addServiceMailbox, serviceEnvFor, writeFakesCaFile } from './bot-harness';
import { startFakeConnector, type FakeConnector } from './fake-connector';
import { startFakeGraph, type FakeGraph, type FakeGraphUser } from './fake-graph';
import { startFakeSms, type FakeSms } from './fake-sms';
import { newPerson } from './people';
import { startServiceProcess, type ServiceProcess } from '../service/service-process';
import { TeamsClient } from './teams-client';
import { adminClient, testDirectory, type TestAccount, type TestDirectory } from './test-directory';

export const SERVICE_WORLD_AUDIENCE = 'resetdesk-service-world';

export interface ServiceReplica {
  url: string;
  managementUrl: string;
  process: ServiceProcess;
  /** A person talking to this replica from Teams. */
  client(user: Pick<FakeGraphUser, 'id' | 'displayName'>): TeamsClient;
  /** SIGKILL, and wait until it is gone. */
  kill(): Promise<void>;
  /** SIGTERM (a graceful stop), and wait. */
  stop(): Promise<void>;
}

export interface ServiceWorld {
  dir: TestDirectory;
  admin: Client;
  graph: FakeGraph;
  sms: FakeSms;
  connector: FakeConnector;
  /** PostgreSQL: the shared database; PGlite: undefined. */
  databaseUrl: string | undefined;
  /** PGlite: the data folder every start of the service opens; PostgreSQL: undefined. */
  dataDir: string | undefined;
  /** The environment every replica starts with. */
  env: Record<string, string>;
  /** Starts a replica (or, on PGlite, the service again on the same data folder). */
  startReplica(extraEnv?: Record<string, string>): Promise<ServiceReplica>;
  /** Enrolls an agent through `replica` and confirms it through the admin API; returns its state folder. */
  enrollAgent(replica: ServiceReplica, name: string, configFile?: string): Promise<string>;
  /** Waits until every enrolled agent has called `replica` since `since` (after a restart: the agents found it again). */
  agentsBack(replica: ServiceReplica, since: Date, timeoutMs?: number): Promise<void>;
  /** Runs an enrolled agent; stopped by close(). */
  runAgent(stateDir: string, env?: NodeJS.ProcessEnv, configFile?: string): Promise<AgentProcess>;
  person(prefix: string, extra?: Partial<FakeGraphUser>): Promise<{ account: TestAccount; graph: FakeGraphUser }>;
  close(): Promise<void>;
}

export async function startServiceWorld(engine: 'postgres' | 'pglite', opts: { env?: Record<string, string>; serviceEntry?: string } = {}): Promise<ServiceWorld> {
  const dir = await testDirectory();
  const admin = await adminClient(dir);
  const graph = await startFakeGraph({});
  addServiceMailbox(graph);
  const sms = await startFakeSms();
  const connector = await startFakeConnector();
  const scratchDir = await mkdtemp(join(tmpdir(), 'resetdesk-service-world-'));
  const caFile = await writeFakesCaFile(scratchDir, graph, sms);
  const scratch = engine === 'postgres' ? await createScratchDatabase() : undefined;
  // On PGlite the database lives here; on PostgreSQL only the files a service makes for itself do.
  const serviceDir = join(scratchDir, 'data');
  const dataDir = engine === 'pglite' ? serviceDir : undefined;
  const managementToken = randomBytes(32).toString('base64url');
  const env: Record<string, string> = {
    ...serviceEnvFor({ graph, sms, connector, caFile }),
    LOG_LEVEL: 'info',
    RESETDESK_PASSWORD_MIN_LENGTH: '12',
    GRAPH_TIMEOUT_MS: '1500',
    // Every replica signs with the same key (agents pin it) under the same audience.
    RESETDESK_SIGNING_KEY_JWK: JSON.stringify((await generateServiceSigningKey()).privateJwk),
    RESETDESK_AGENT_AUDIENCE: SERVICE_WORLD_AUDIENCE,
    RESETDESK_MANAGEMENT_TOKEN: managementToken,
    RESETDESK_DATA_DIR: serviceDir,
    ...(scratch ? { DATABASE_URL: scratch.databaseUrl } : {}),
    ...opts.env,
  };
  const agentConfig = await writeAgentConfigFile(dir, dir.service);
  const replicas: ServiceReplica[] = [];
  const agents: AgentProcess[] = [];

  async function admin_(replica: ServiceReplica, path: string, body?: unknown): Promise<Record<string, unknown>> {
    const res = await fetch(`${replica.managementUrl}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${managementToken}` },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (res.status >= 300) throw new Error(`admin API ${path} answered ${res.status}: ${JSON.stringify(json)}`);
    return json;
  }

  const world: ServiceWorld = {
    dir, admin, graph, sms, connector, env,
    databaseUrl: scratch?.databaseUrl,
    dataDir,
    async startReplica(extraEnv = {}) {
      const proc = startServiceProcess({ ...env, ...extraEnv }, opts.serviceEntry);
      const { url, managementUrl } = await proc.listening(60_000);
      const replica: ServiceReplica = {
        url,
        managementUrl,
        process: proc,
        client: (user) => new TeamsClient(url, connector, { aadObjectId: user.id, name: user.displayName, tenantId: graph.tenantId }),
        async kill() {
          if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
          await withTimeout(proc.exited, 10_000, 'the service to die');
        },
        stop: () => proc.stop(),
      };
      replicas.push(replica);
      return replica;
    },
    async enrollAgent(replica, name, configFile = agentConfig) {
      const { code } = (await admin_(replica, '/admin/enrollment-codes', { by: 'test-admin' })) as { code: string };
      const stateDir = await mkdtemp(join(tmpdir(), 'resetdesk-agent-state-'));
      const enrolled = await agentCli(['--config', configFile, 'enroll', '--service', replica.url, '--state-dir', stateDir, '--name', name], { RESETDESK_AGENT_ENROLLMENT_CODE: code }).exited;
      if (enrolled.code !== 0) throw new Error(`enroll failed: ${enrolled.stderr}`);
      await admin_(replica, `/admin/agents/${await agentIdOf(stateDir)}/confirm`, { by: 'test-admin' });
      return stateDir;
    },
    async agentsBack(replica, since, timeoutMs = 60_000) {
      await withTimeout((async () => {
        for (;;) {
          const { agents } = (await admin_(replica, '/admin/agents')) as { agents: Array<{ lastSeenAt: string | null; status: string }> };
          const live = agents.filter((a) => a.status !== 'revoked');
          if (live.length && live.every((a) => a.lastSeenAt !== null && new Date(a.lastSeenAt) >= since)) return;
          await new Promise((r) => setTimeout(r, 250));
        }
      })(), timeoutMs, 'the agents to call the service again');
    },
    async runAgent(stateDir, agentEnv = {}, configFile = agentConfig) {
      const agent = await runAgent(configFile, stateDir, agentEnv);
      agents.push(agent);
      return agent;
    },
    person: (prefix, extra = {}) => newPerson(dir, admin, graph, prefix, extra),
    async close() {
      for (const a of agents) await a.stop().catch(() => undefined);
      for (const r of replicas) await r.stop().catch(() => undefined);
      await admin.unbind().catch(() => undefined);
      await Promise.all([graph.close(), sms.close(), connector.close()]);
      await scratch?.drop();
      await rm(scratchDir, { recursive: true, force: true });
    },
  };
  return world;
}

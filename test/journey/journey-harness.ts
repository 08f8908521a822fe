// The whole product in one place for journey tests: the bot service (real
// HTTP endpoint, store, msal-node and graph-client against the fake Graph),
// its writeback channel, a separate agent process, and the Samba DC. Graph
// users are the DC's users, joined by their on-premises SID as in Entra ID
// Connect.
import { randomUUID } from 'node:crypto';
import type { Client } from 'ldapts';
import type { AppParts } from '../../bot/app';
import type { StoreEngineKind } from '../../bot/store';
import { createWritebackChannel } from '../../bot/writeback';
import { startBotHarness, type BotHarness } from '../support/bot-harness';
import type { FakeGraphUser, SentMail } from '../support/fake-graph';
import { entraTwinOf, newPerson } from '../support/people';
import { adminClient, testDirectory, type TestAccount, type TestDirectory } from '../support/test-directory';
import { writeAgentConfigFile } from '../agent/agent-test-config';
import { enrollAgent, newSigningKey, runAgent, type AgentProcess } from '../writeback/writeback-harness';

export interface JourneyWorld {
  dir: TestDirectory;
  admin: Client;
  bot: BotHarness;
  /** The first replica's agent process (replaced by restartAgent). */
  agent: AgentProcess;
  /** Everything the first agent's processes wrote, across restarts. */
  agentLogs(): string;
  /** Stops the first agent (SIGTERM) until restartAgent. */
  stopAgent(): Promise<void>;
  restartAgent(): Promise<void>;
  /** Starts another bot replica on the same database and world, with its own agent (PostgreSQL only). */
  addReplica(): Promise<{ bot: BotHarness; agent: AgentProcess }>;
  /** A new AD user in OU=Staff with its Entra ID twin (synced, with an alternate e-mail and a mobile). */
  person(prefix: string, extra?: Partial<FakeGraphUser>): Promise<{ account: TestAccount; graph: FakeGraphUser }>;
  /** Joins an existing AD account (e.g. a seeded Domain Admin) to a new Entra ID twin. */
  twinOf(account: TestAccount, extra?: Partial<FakeGraphUser>): Promise<FakeGraphUser>;
  close(): Promise<void>;
}

export interface JourneyWorldOptions {
  env?: Record<string, string>;
  now?: () => Date;
  /** How long an agent holds a leased job before it is queued again (default 60 s; fault tests shorten it). */
  leaseMs?: number;
  /** How often each replica sweeps (lapsed leases, expired jobs, missed results); default 500 ms, quicker than deployed (5 s) so tests need not wait. */
  sweepIntervalMs?: number;
  /** PostgreSQL only: use this database (e.g. behind a proxy the test cuts) instead of a scratch one. */
  databaseUrl?: string;
}

export async function startJourneyWorld(engine: StoreEngineKind, opts: JourneyWorldOptions = {}): Promise<JourneyWorld> {
  const dir = await testDirectory();
  const admin = await adminClient(dir);
  const signingKey = await newSigningKey();
  // Replicas share the pepper (code hashes) and the signing key (agents pin it).
  const env = { RESETDESK_PASSWORD_MIN_LENGTH: '12', GRAPH_TIMEOUT_MS: '1500', RESETDESK_CODE_PEPPER: `journey-pepper-${randomUUID()}`, ...opts.env };
  const writeback: AppParts['writeback'] = async (store, logger, metrics) =>
    createWritebackChannel({
      store, signingKey, audience: 'resetdesk-journey-tests', logger, metrics, sweepIntervalMs: opts.sweepIntervalMs ?? 500,
      ...(opts.now ? { now: opts.now } : {}), ...(opts.leaseMs ? { leaseMs: opts.leaseMs } : {}),
    });
  const bot = await startBotHarness({ engine, graph: {}, ...(opts.now ? { now: opts.now } : {}), ...(opts.databaseUrl ? { databaseUrl: opts.databaseUrl } : {}), env, writeback });
  const configFile = await writeAgentConfigFile(dir, dir.service);
  const stateDir = await enrollAgent(bot.app.store, bot.url, configFile, 'journey-agent');
  let agent = await runAgent(configFile, stateDir);
  let agentOutput = '';
  const replicas: Array<{ bot: BotHarness; agent: AgentProcess }> = [];

  const twinOf = (account: TestAccount, extra: Partial<FakeGraphUser> = {}): Promise<FakeGraphUser> => entraTwinOf(dir, admin, bot.graph, account, extra);

  return {
    dir,
    admin,
    bot,
    get agent() {
      return agent;
    },
    agentLogs: () => agentOutput + agent.output(),
    async stopAgent() {
      await agent.stop();
      agentOutput += agent.output();
    },
    async restartAgent() {
      agent = await runAgent(configFile, stateDir);
    },
    twinOf,
    async addReplica() {
      const replica = await startBotHarness({ engine, graph: {}, shared: bot.shared(), ...(opts.now ? { now: opts.now } : {}), env, writeback });
      const replicaState = await enrollAgent(replica.app.store, replica.url, configFile, `journey-agent-${replicas.length + 2}`);
      const replicaAgent = await runAgent(configFile, replicaState);
      replicas.push({ bot: replica, agent: replicaAgent });
      return { bot: replica, agent: replicaAgent };
    },
    person: (prefix, extra = {}) => newPerson(dir, admin, bot.graph, prefix, extra),
    async close() {
      for (const r of replicas) {
        await r.agent.stop();
        await r.bot.close();
      }
      await agent.stop();
      await bot.close();
      await admin.unbind();
    },
  };
}

/** The last one-time code mailed to `address` (what the person reads in their inbox). */
export function codeMailedTo(bot: Pick<BotHarness, 'graph'>, address: string): string {
  const mail = [...bot.graph.state.sentMails].reverse().find((m) => m.to.includes(address));
  const code = mail ? /\b(\d{6,8})\b/.exec(mail.content)?.[1] : undefined;
  if (!code) throw new Error(`no code mailed to ${address}`);
  return code;
}

/**
 * The first mail to `address` that `matches`, waited for: a notice by mail may
 * go out after the Teams message that says the same, so it may not be there yet.
 */
export async function mailSentTo(bot: Pick<BotHarness, 'graph'>, address: string, matches: (mail: SentMail) => boolean, timeoutMs = 10_000): Promise<SentMail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mail = bot.graph.state.sentMails.find((m) => m.to.includes(address) && matches(m));
    if (mail) return mail;
    if (Date.now() > deadline) throw new Error(`no matching mail to ${address} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The last one-time code texted to `e164`. */
export function codeTextedTo(bot: BotHarness, e164: string): string {
  const sms = bot.sms.lastMessageTo(e164);
  const code = sms ? /\b(\d{6,8})\b/.exec(sms.text)?.[1] : undefined;
  if (!code) throw new Error(`no code texted to ${e164}`);
  return code;
}

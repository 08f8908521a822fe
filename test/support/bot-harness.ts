// Starts the whole bot service as it runs in production (createApp, the real
// HTTP endpoint, the real store, msal-node and graph-client) with the
// outside world replaced by local servers: a fake Graph + token endpoint over
// HTTPS, a fake SMS provider, and a fake Bot Framework connector.
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createApp, type App, type AppParts } from '../../bot/app';
import { loadConfig, type BotConfig } from '../../bot/config';
import { createTestStore } from '../../bot/store/testing';
import { openStore, type StoreEngineKind } from '../../bot/store';
import { startFakeConnector, type FakeConnector } from './fake-connector';
import { capturedLogger } from './failures';
import { fakeUser, startFakeGraph, type FakeGraph, type FakeGraphSeed } from './fake-graph';
import { startFakeSms, type FakeSms } from './fake-sms';
import { TeamsClient, type TeamsUser } from './teams-client';

export interface BotHarness {
  url: string;
  app: App;
  config: BotConfig;
  connector: FakeConnector;
  graph: FakeGraph;
  sms: FakeSms;
  /** What another replica needs to join this one (PostgreSQL only). */
  shared(): SharedWorld;
  /** Every log line the service wrote, as text, for canary checks. */
  logs(): string;
  client(user: { id: string; displayName: string }, opts?: { channelId?: string; botFrameworkChannel?: string }): TeamsClient;
  close(): Promise<void>;
}

/** Parts a second replica shares with the first: the outside world and the database. */
export interface SharedWorld {
  graph: FakeGraph;
  sms: FakeSms;
  connector: FakeConnector;
  databaseUrl: string;
}

export interface BotHarnessOptions {
  engine: StoreEngineKind;
  /** Start another replica of an existing harness (PostgreSQL only). */
  shared?: SharedWorld;
  graph: FakeGraphSeed;
  writeback: AppParts['writeback'];
  env?: Record<string, string>;
  now?: () => Date;
  /** PGlite only: a data folder, as `npm start` uses, instead of an in-memory database. */
  pgliteDataDir?: string;
  /** PostgreSQL only: open this database (the caller made it and drops it) instead of a scratch one. */
  databaseUrl?: string;
}

/**
 * The settings that point a bot service at the local stand-ins (dev mode on
 * loopback, ephemeral ports): what the in-process harness loads, and what a
 * service process (bot/main.ts) is started with.
 */
export function serviceEnvFor(o: { graph: FakeGraph; sms: FakeSms; connector: FakeConnector; caFile: string }): Record<string, string> {
  return {
    RESETDESK_DEV_MODE: 'true',
    RESETDESK_TENANT_ID: o.graph.tenantId,
    PORT: '0',
    HOST: '127.0.0.1',
    RESETDESK_MANAGEMENT_PORT: '0',
    LOG_LEVEL: 'debug',
    GRAPH_CLIENT_ID: o.graph.clientId,
    GRAPH_CLIENT_SECRET: o.graph.clientSecret,
    GRAPH_AUTHORITY_HOST: o.graph.authorityHost,
    GRAPH_BASE_URL: o.graph.url,
    RESETDESK_EXTRA_CA_FILE: o.caFile,
    RESETDESK_MAIL_FROM: 'resetdesk@contoso.example',
    SMS_PROVIDER_URL: o.sms.url,
    SMS_PROVIDER_API_KEY: o.sms.apiKey,
    RESETDESK_CODE_PEPPER: `test-pepper-${randomUUID()}-${randomUUID()}`,
    // The fake connector stands in for every Teams service URL, channels included.
    RESETDESK_TEAMS_SERVICE_URL: o.connector.serviceUrl,
  };
}

/** The shared mailbox that sends codes and notices (RESETDESK_MAIL_FROM), as Graph knows it. */
export function addServiceMailbox(graph: FakeGraph): void {
  graph.addUser(fakeUser({ displayName: 'ResetDesk', userPrincipalName: 'resetdesk@contoso.example', mail: 'resetdesk@contoso.example', onPremisesSyncEnabled: null, onPremisesSecurityIdentifier: null, onPremisesSamAccountName: null }));
}

/** A file trusting the fakes' certificates (RESETDESK_EXTRA_CA_FILE), in `dir`. */
export async function writeFakesCaFile(dir: string, graph: FakeGraph, sms: FakeSms): Promise<string> {
  const caFile = join(dir, 'fakes-ca.pem');
  await writeFile(caFile, graph.caPem + '\n' + sms.caPem);
  return caFile;
}

export async function startBotHarness(opts: BotHarnessOptions): Promise<BotHarness> {
  const graph = opts.shared?.graph ?? (await startFakeGraph(opts.graph));
  if (!opts.shared) addServiceMailbox(graph);
  const sms = opts.shared?.sms ?? (await startFakeSms());
  const connector = opts.shared?.connector ?? (await startFakeConnector());
  const dir = await mkdtemp(join(tmpdir(), 'resetdesk-bot-'));
  const caFile = await writeFakesCaFile(dir, graph, sms);
  const given = opts.shared?.databaseUrl ?? opts.databaseUrl;
  const opened = given ? await openStore({ databaseUrl: given, ...(opts.now ? { now: opts.now } : {}) }) : undefined;
  const { store, cleanup, databaseUrl } = opened
    ? { store: opened, cleanup: () => opened.close(), databaseUrl: given }
    : await createTestStore(opts.engine, { ...(opts.now ? { now: opts.now } : {}), ...(opts.pgliteDataDir && opts.engine === 'pglite' ? { dataDir: opts.pgliteDataDir } : {}) });

  // Files the service makes for itself (management token, delivery key) go into the harness's folder, not the repository.
  const config = loadConfig({ ...serviceEnvFor({ graph, sms, connector, caFile }), RESETDESK_DATA_DIR: dir, ...opts.env });

  const { logger, text: logText } = capturedLogger({ level: config.logLevel });
  const app = await createApp(config, { store, writeback: opts.writeback, logger, ...(opts.now ? { now: opts.now } : {}) });
  const { url } = await app.listen();
  let closed = false;

  return {
    url,
    app,
    config,
    connector,
    graph,
    sms,
    shared() {
      if (!databaseUrl) throw new Error('only a PostgreSQL harness can have a second replica');
      return { graph, sms, connector, databaseUrl };
    },
    logs: logText,
    client(user, clientOpts = {}) {
      const teamsUser: TeamsUser = { aadObjectId: user.id, name: user.displayName, tenantId: graph.tenantId };
      return new TeamsClient(url, connector, teamsUser, clientOpts);
    },
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      if (opts.shared) {
        await store.close();
      } else {
        await cleanup();
        await Promise.all([graph.close(), sms.close(), connector.close()]);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

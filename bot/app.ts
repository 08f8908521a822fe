// The composition root: builds every part from the validated configuration
// and wires them together. Tests build the same app with a few parts pointed
// elsewhere (a fake Graph over real HTTPS, a scratch database).
import { mkdirSync, readFileSync } from 'node:fs';
import type { Server } from 'restify';
import { createLogger, type Logger } from './log';
import { ConfigError, pgliteDirOf, type BotConfig } from './config';
import { createMetrics, type BotMetrics } from './metrics';
import { closeListener, createManagementServer, createServer, listen, type RouteGroup } from './http/server';
import { loadOrCreateDevPepper } from './dev-mode';
import { loadOrCreateSecretFile, MANAGEMENT_TOKEN_FILE } from './secret-files';
import { createAdminRoutes } from './admin/admin-routes';
import { createConsole } from './console';
import { createAdapter } from './teams/adapter';
import { ResetDeskBot } from './teams/resetdesk-bot';
import { createCardMessenger } from './teams/card-messenger';
import { createKnownReferences } from './teams/known-references';
import { openStore, type Agent, type Store } from './store';
import { agentEnrolledView } from './journey/agent-decisions';
import { finishJob } from './journey/job-results';
import { managerToken } from './journey/manager-answer';
import { expireOverdueRequests } from './journey/overdue-requests';
import { RequestSnapshots } from './journey/request-snapshots';
import { RecentInspections } from './journey/recent-inspections';
import { render, view } from './journey/views';
import { ownerToken } from './journey/owner-answer';
import { createPersonMethod } from './domain/verification/person-method';
import { obtainDeliverySeal, type DeliverySeal } from './helpdesk-delivery-key';
import { createGraphDirectory } from './graph/graph-directory';
import { createHttpSmsSender } from './integrations/sms-sender';
import { createPwnedPasswordsClient } from './integrations/breached-passwords';
import type { JobFinished, JourneyDeps } from './journey/journey-deps';
import type { PeopleDirectory, WritebackPort } from './journey/ports';
import { buildManagerConfirmCard, type AdaptiveCard } from '../cards';
import { createEmailMethod } from './domain/verification/email-method';
import { createSmsMethod } from './domain/verification/sms-method';
import { createManagerMethod } from './domain/verification/manager-method';
import { type CodeVerificationMethod } from './domain/verification/code-method';
import { DEFAULT_CODE_POLICY, codePolicySchema } from './domain/verification/one-time-code';
import { DEFAULT_VERIFICATION_POLICY, verificationPolicySchema } from './domain/verification/verification-policy';
import type { VerificationMethod } from './domain/verification/verification-method';
import type { VerificationMethodName } from './domain/verification/method-name';
import { passwordPolicyConfigSchema } from './domain/password-policy';
import { approvalConfigSchema, DEFAULT_APPROVAL_CONFIG } from './domain/approval-policy';
import { createHash } from 'node:crypto';

/** The writeback channel as the app uses it: the journey's port plus result delivery. */
export interface AppWriteback extends WritebackPort {
  onJobFinished(listener: (event: JobFinished) => Promise<void>): void;
  onAgentEnrolled?(listener: (agent: Agent) => Promise<void>): void;
  start?(): Promise<void>;
  stop?(): Promise<void>;
  routes?: RouteGroup[];
}

export interface AppParts {
  store?: Store;
  people?: PeopleDirectory & { ping?: () => Promise<void> };
  writeback: AppWriteback | ((store: Store, logger: Logger, metrics: BotMetrics) => Promise<AppWriteback>);
  now?: () => Date;
  logger?: Logger;
  /** The service's own sealing key for helpdesk temporary passwords (default: from configuration). */
  deliverySeal?: DeliverySeal;
}

export interface App {
  server: Server;
  /** /readyz and /metrics live here, not on the public listener. */
  managementServer: Server;
  store: Store;
  /** What every use case is given: the store, the ports, the settings. */
  journey: JourneyDeps & {
    /** Closes requests left waiting on a person past their deadline (every replica runs this); returns how many. */
    expireOverdueRequests(): Promise<number>;
  };
  metrics: BotMetrics;
  /** In dev mode without RESETDESK_CODE_PEPPER: the data folder's generated pepper file. */
  devPepperFile: string | undefined;
  listen(): Promise<{ port: number; url: string; managementUrl: string }>;
  close(): Promise<void>;
}

// Requests nobody finished are closed this long after their deadline at most.
const OVERDUE_SWEEP_MS = 30_000;

export async function createApp(config: BotConfig, parts: AppParts): Promise<App> {
  const logger = parts.logger ?? createLogger({ level: config.logLevel });
  const now = parts.now ?? (() => new Date());
  const metrics = createMetrics();
  const ownsStore = !parts.store;
  if (ownsStore && !config.storage.databaseUrl) mkdirSync(config.storage.dataDir, { recursive: true, mode: 0o700 });
  const store = parts.store ?? (await openStore({ databaseUrl: config.storage.databaseUrl, dataDir: pgliteDirOf(config.storage.dataDir), now, logger }));
  const extraCa = config.extraCaFile ? { ca: readFileSync(config.extraCaFile, 'utf8') } : {};
  const people = parts.people ?? createGraphDirectory(
    {
      tenantId: config.graph.tenantId,
      clientId: config.graph.clientId ?? '',
      clientSecret: config.graph.clientSecret ?? '',
      authorityHost: config.graph.authorityHost,
      baseUrl: config.graph.baseUrl,
      timeoutMs: config.graph.timeoutMs,
      ...extraCa,
    },
    { logger },
  );
  const writeback = typeof parts.writeback === 'function' ? await parts.writeback(store, logger, metrics) : parts.writeback;

  const adapter = createAdapter(config, logger);
  const references = createKnownReferences();
  const messenger = createCardMessenger(adapter, store, config.bot.appId, references);
  // The pepper keys code hashes; derived to the 32 bytes the domain wants whatever its length.
  const devPepper = config.codePepper === undefined && config.devMode ? await loadOrCreateDevPepper(config.storage.dataDir) : undefined;
  const pepperSecret = config.codePepper ?? devPepper?.pepper;
  if (!pepperSecret) throw new ConfigError(['RESETDESK_CODE_PEPPER: required, at least 32 random characters']);
  const pepper = createHash('sha256').update(pepperSecret).digest();
  const codePolicy = codePolicySchema.parse({ ...DEFAULT_CODE_POLICY });

  const methods: Partial<Record<VerificationMethodName, VerificationMethod | CodeVerificationMethod>> = {};
  if (config.mailFrom) {
    const from = config.mailFrom;
    methods.email = createEmailMethod({
      mail: { sendMail: (m) => people.sendMail(from, m.to, m.subject, { contentType: 'text', content: m.text }) },
      pepper,
      policy: codePolicy,
    });
  }
  const sms = config.sms ? createHttpSmsSender({ url: config.sms.url, apiKey: config.sms.apiKey, ...extraCa }, { logger }) : undefined;
  if (sms) methods.sms = createSmsMethod({ sms, pepper, policy: codePolicy });
  methods.person = createPersonMethod({
    notifier: {
      async askOwner(notice) {
        const helpdeskName = await people.getUser(notice.helpdeskAadId).then((u) => u.displayName ?? u.userPrincipalName, () => 'the IT helpdesk');
        const card = render(view('ownerConfirm', {
          requestId: notice.requestId,
          stepToken: ownerToken(pepper, notice.challengeId),
          helpdeskName,
          accountName: notice.accountName,
          operation: notice.kind === 'unlock' ? 'unlock' : notice.kind === 'change' ? 'change' : 'reset',
          askedAt: now(),
        }));
        const sent = await messenger.sendCardToPerson(notice.tenantId, notice.ownerAadId, card);
        if (!sent) throw new Error('owner not reachable in Teams');
      },
    },
  });
  methods.manager = createManagerMethod({
    notifier: {
      async notifyManager(notice) {
        const card: AdaptiveCard = buildManagerConfirmCard({
          requestId: notice.requestId,
          stepToken: managerToken(pepper, notice.challengeId),
          requesterName: notice.subjectDisplayName,
          accountName: notice.subjectAccountName,
          operation: notice.kind === 'unlock' ? 'unlock' : notice.kind === 'change' ? 'change' : 'reset',
          askedAt: now(),
        });
        const sent = await messenger.sendCardToPerson(notice.tenantId, notice.managerAadId, card);
        if (!sent) throw new Error('manager not reachable in Teams');
      },
    },
  });

  const deps: JourneyDeps = {
    store,
    snapshots: new RequestSnapshots(),
    inspections: new RecentInspections(),
    deliverySeal: parts.deliverySeal ?? (await obtainDeliverySeal(config.helpdesk.deliveryKey, logger)),
    sms,
    people,
    writeback,
    messenger,
    methods,
    config: {
      verificationPolicy: verificationPolicySchema.parse({
        methodsRequired: { ...DEFAULT_VERIFICATION_POLICY.methodsRequired, reset: config.methodsRequired, unlock: config.methodsRequired, status: config.methodsRequired },
        methodsRequiredPrivileged: { ...DEFAULT_VERIFICATION_POLICY.methodsRequiredPrivileged, reset: config.methodsRequiredPrivileged, unlock: config.methodsRequiredPrivileged },
      }),
      passwordPolicy: passwordPolicyConfigSchema.parse({
        minLength: config.passwordMinLength,
        ...(config.pwnedRangeUrl ? { breachedCheck: createPwnedPasswordsClient({ endpoint: config.pwnedRangeUrl, ...extraCa }, { logger }) } : {}),
      }),
      approval: approvalConfigSchema.parse({
        ...DEFAULT_APPROVAL_CONFIG,
        ttlMs: config.approvals.ttlMs,
        approvalsRequired: config.approvals.required,
        approvalsRequiredTier0: config.approvals.requiredTier0,
        ...(config.approvals.tier0Groups ? { tier0Groups: config.approvals.tier0Groups } : {}),
      }),
      limits: config.limits,
      approverGroupId: config.groups.approvers,
      adminGroupId: config.groups.admins,
      helpdeskGroupId: config.groups.helpdesk,
      helpdeskDelivery: config.helpdesk.temporaryPassword,
      agents: { seenWithinMs: config.agents.seenWithinMs },
      approverChannel: config.approverChannel,
      afterReset: config.afterReset,
      mailFrom: config.mailFrom,
      inspectTimeoutMs: config.inspectTimeoutMs,
      pepper,
    },
    now,
    logger,
    metrics,
  };
  const journey = { ...deps, expireOverdueRequests: () => expireOverdueRequests(deps) };
  writeback.onJobFinished((event) => finishJob(deps, event));
  // A new agent is sealed no password until an admin confirms it: ask them where approvers already look.
  writeback.onAgentEnrolled?.(async (agent) => {
    if (!config.approverChannel) {
      logger.warn({ agentId: agent.id }, 'a new agent waits for confirmation: run `npm run admin -- agents confirm <id>` after comparing its key thumbprint');
      return;
    }
    await messenger.postToChannel({ tenantId: config.tenantId, ...config.approverChannel }, render(await agentEnrolledView(deps, agent)));
  });

  // The helpdesk/approver/admin console (a Teams tab), when RESETDESK_PUBLIC_HOST is set.
  const consoleSurface = config.console
    ? createConsole({
        config: config.console, devMode: config.devMode, tenantId: config.tenantId, groups: config.groups, journey: deps, store,
        agentWindows: { seenWithinMs: config.agents.seenWithinMs }, logger, now, ...(extraCa.ca ? { extraCa: extraCa.ca } : {}),
      })
    : undefined;
  const bot = new ResetDeskBot({ journey: deps, store, tenantId: config.tenantId, logger, references });
  const server = createServer({
    adapter,
    onTurn: (context) => bot.run(context),
    logger,
    metrics,
    routes: [...(writeback.routes ?? []), ...(consoleSurface ? [consoleSurface.routes] : [])],
  });
  const adminToken = config.management.token ?? (await loadOrCreateSecretFile(config.storage.dataDir, MANAGEMENT_TOKEN_FILE)).secret;
  const managementServer = createManagementServer({
    logger,
    metrics,
    token: config.management.token,
    routes: [createAdminRoutes({ store, token: adminToken, windows: { seenWithinMs: config.agents.seenWithinMs }, logger, now })],
    readiness: [
      { name: 'store', check: () => store.ping() },
      ...(people.ping ? [{ name: 'graph', check: () => people.ping!() }] : []),
    ],
  });

  let overdueSweep: NodeJS.Timeout | undefined;
  return {
    server,
    managementServer,
    store,
    journey,
    metrics,
    devPepperFile: devPepper?.file,
    async listen() {
      const address = await listen(server, config.port, config.host);
      const management = await listen(managementServer, config.management.port, config.management.host);
      await writeback.start?.();
      overdueSweep ??= setInterval(() => {
        journey.expireOverdueRequests().catch((err: unknown) => logger.warn({ err: { name: (err as Error)?.name } }, 'overdue request sweep failed; will retry'));
      }, OVERDUE_SWEEP_MS);
      overdueSweep.unref();
      logger.info({ port: address.port, managementPort: management.port }, 'ResetDesk bot service listening');
      return { ...address, managementUrl: management.url };
    },
    async close() {
      if (overdueSweep) clearInterval(overdueSweep);
      overdueSweep = undefined;
      await writeback.stop?.();
      consoleSurface?.close();
      await Promise.all([server, managementServer].map((s) => closeListener(s)));
      if (ownsStore) await store.close();
    },
  };
}

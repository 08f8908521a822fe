import { z } from 'zod';
import type { Logger } from '../log';
import * as agents from './agents';
import * as approvals from './approvals';
import * as audit from './audit-log';
import { createAuditSealer } from './audit-sealer';
import * as challenges from './challenges';
import type { StoreContext } from './context';
import * as conversations from './conversations';
import * as enrollment from './enrollment-codes';
import type { Engine } from './engine';
import * as jobs from './jobs';
import { runMigrations } from './migrations';
import { openPgliteThreadEngine } from './pglite-thread-engine';
import { openPostgresEngine } from './postgres-engine';
import * as requests from './requests';
import * as reports from './reports';
import { rememberAgentTokenId, rememberTokenId } from './token-ids';
import * as usage from './usage-limits';
import * as settings from './settings';
import type { Store } from './types';
import { parseInput } from './validation';

export interface OpenStoreOptions {
  /** postgres:// URL: use PostgreSQL (several replicas). Otherwise embedded PGlite. */
  databaseUrl?: string;
  /** PGlite data folder; without it (and without databaseUrl) the database lives in memory. */
  dataDir?: string;
  now?: () => Date;
  logger?: Logger;
}

const optionsSchema = z.object({
  databaseUrl: z.string().regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must start with postgres:// or postgresql://').optional(),
  dataDir: z.string().min(1).optional(),
  now: z.function().optional(),
  logger: z.any().optional(),
}).strict();

// Lets the test helpers reach the raw engine (dump tables, tamper as a
// superuser) without putting raw SQL on the public Store interface.
const engines = new WeakMap<Store, Engine>();

export function engineOf(store: Store): Engine {
  const engine = engines.get(store);
  if (!engine) throw new Error('not a store opened by openStore');
  return engine;
}

export async function openStore(options: OpenStoreOptions = {}): Promise<Store> {
  const opts = parseInput(optionsSchema, options, 'store options');
  const logger = options.logger;
  if (opts.databaseUrl && opts.dataDir) logger?.warn('store: both DATABASE_URL and a data folder are set; using PostgreSQL');
  const db = opts.databaseUrl ? await openPostgresEngine(opts.databaseUrl, logger) : await openPgliteThreadEngine(opts.dataDir);
  try {
    const migrated = await runMigrations(db);
    logger?.info({ engine: db.kind, schemaVersion: migrated.current, applied: migrated.applied }, 'store: ready');
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
  const ctx: StoreContext = { db, now: options.now ?? (() => new Date()) };
  // Only concurrent connections queue on the chain's head row; PGlite is one connection and appends directly.
  if (db.kind === 'postgres') ctx.sealer = createAuditSealer(ctx, logger);
  // What the writeback agents call while people wait for their resets.
  const agentCtx: StoreContext = db.writeback ? { ...ctx, db: db.writeback } : ctx;
  let closing: Promise<void> | null = null;

  const store: Store = {
    engine: db.kind,

    createRequest: (input, entry) => requests.createRequest(ctx, input, entry),
    getRequest: (id) => requests.getRequest(db, id),
    listRequestsByOwner: (tenantId, ownerAadId, o) => requests.listRequestsByOwner(ctx, tenantId, ownerAadId, o?.openOnly ?? false),
    listOverdueRequests: (limit) => requests.listOverdueRequests(ctx, limit),
    transitionRequest: (id, version, patch, entry, o) => requests.transitionRequest(ctx, id, version, patch, entry, o),
    transitionFrom: (current, patch, entry, o) => requests.transitionFrom(ctx, current, patch, entry, o),
    getRequestWithChallenges: (id) => requests.getRequestWithChallenges(db, id),

    createChallenge: (input) => challenges.createChallenge(ctx, input),
    getChallenge: (id) => challenges.getChallenge(ctx, id),
    listChallenges: (requestId) => challenges.listChallenges(ctx, requestId),
    setChallengeStatus: (id, status) => challenges.setChallengeStatus(ctx, id, status),
    saveChallengeState: (id, expected, next) => challenges.saveChallengeState(ctx, id, expected, next),

    saveConversationReference: (tenantId, aadObjectId, ref) => conversations.saveConversationReference(ctx, tenantId, aadObjectId, ref),
    getConversationReference: (tenantId, aadObjectId) => conversations.getConversationReference(ctx, tenantId, aadObjectId),

    recordApproval: (input, entry) => approvals.recordApproval(ctx, input, entry),
    listApprovals: (requestId) => approvals.listApprovals(ctx, requestId),

    enqueueJob: (input, entry) => jobs.enqueueJob(ctx, input, entry),
    getJob: (id) => jobs.getJob(db, id),
    listJobsForRequest: (requestId) => jobs.listJobsForRequest(ctx, requestId),
    leaseJob: (agentId, leaseMs) => jobs.leaseJob(agentCtx, agentId, leaseMs),
    completeJob: (jobId, agentId, completion, entry, token) => jobs.completeJob(agentCtx, jobId, agentId, completion, entry, token),
    recordWriteStart: (input, token) => jobs.recordWriteStart(agentCtx, input, token),
    releaseLease: (jobId, agentId) => jobs.releaseLease(agentCtx, jobId, agentId),
    expireJobs: (now) => jobs.expireJobs(ctx, now ?? ctx.now()),
    requeueLapsedLeases: (now) => jobs.requeueLapsedLeases(ctx, now ?? ctx.now()),
    onJobQueued: (listener) => jobs.onJobQueued(ctx, listener),
    onJobFinished: (listener) => jobs.onJobFinished(ctx, listener),
    listUndeliveredJobs: (claimMs, limit) => jobs.listUndeliveredJobs(ctx, claimMs, limit ?? 100),
    claimJobDelivery: (jobId, claimMs) => jobs.claimJobDelivery(ctx, jobId, claimMs),
    markJobDelivered: (jobId) => jobs.markJobDelivered(ctx, jobId),

    registerAgent: (input, entry) => agents.registerAgent(ctx, input, entry),
    enrollAgent: (code, input, entry) => agents.enrollAgent(ctx, code, input, entry),
    getAgent: (id) => agents.getAgent(agentCtx, id),
    listAgents: (o) => agents.listAgents(ctx, o?.includeRevoked ?? false),
    touchAgent: (id, version) => agents.touchAgent(agentCtx, id, version),
    revokeAgent: (id, entry) => agents.revokeAgent(ctx, id, entry),
    confirmAgent: (id, by, entry) => agents.confirmAgent(ctx, id, by, entry),

    createEnrollmentCode: (input, entry) => enrollment.createEnrollmentCode(ctx, input, entry),
    consumeEnrollmentCode: (code) => enrollment.consumeEnrollmentCode(ctx, code),

    rememberTokenId: (jti, expiresAt) => rememberTokenId(ctx, jti, expiresAt),
    rememberAgentTokenId: (agentId, jti, expiresAt) => rememberAgentTokenId(agentCtx, agentId, jti, expiresAt),

    getSetting: (key) => settings.getSetting(ctx, key),
    putSetting: (key, value, by, entry) => settings.putSetting(ctx, key, value, by, entry),

    consumeUsage: (check) => usage.consumeUsage(ctx, check),
    peekUsage: (check) => usage.peekUsage(ctx, check),
    refundUsage: (check) => usage.refundUsage(ctx, check),

    appendAudit: (entry) => audit.appendAudit(ctx, entry),
    listAudit: (query) => audit.listAudit(ctx, query),
    verifyAuditChain: () => audit.verifyAuditChain(ctx),

    listRequests: (query) => reports.listRequests(ctx, query),
    searchAudit: (search) => reports.searchAudit(ctx, search),
    listAgentActivity: (since) => reports.listAgentActivity(ctx, since),
    countOutcomes: (query) => reports.countOutcomes(ctx, query),

    async ping() {
      await db.query('SELECT 1');
    },
    close() {
      closing ??= (async () => {
        await ctx.sealer?.flush().catch(() => undefined);
        await ctx.sealer?.stop();
        await db.close();
      })();
      return closing;
    },
  };
  engines.set(store, db);
  return store;
}

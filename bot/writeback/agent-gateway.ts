// The agents' side of the bot service: /api/agent/*. Agents call out to it
// (outbound HTTPS only from the company network); every call but enrollment
// carries a one-use lease token signed by the agent's own key.
import type { Request, Response, Server } from 'restify';
import { Histogram } from 'prom-client';
import { z } from 'zod';
import {
  AgentVersionSchema,
  EnrollmentRequestSchema,
  isProtocolError,
  ProtocolError,
  jwkThumbprint,
  JobResultSchema,
  preciseEpochMs,
  ProtocolIdSchema,
  WriteStartSchema,
  writeWindowMs,
  type EnrollmentResponse,
  type LeaseResponse,
  type ResultAnswer,
  type WriteStartAnswer,
} from '../../agent/protocol';
import { isResetDeskError } from '../errors';
import type { RouteGroup } from '../http/server';
import type { Logger } from '../log';
import type { BotMetrics } from '../metrics';
import type { Agent, AgentTokenUse, PublicJwk, Store, WritebackJob } from '../store';
import { verifyLeaseToken, type ServiceSigningKey } from './crypto';
import { codeOf } from './result-delivery';
import { TouchThrottle } from './touch-throttle';
import { WakeSignal, type Waiter } from './wake-signal';

export interface AgentGatewayOptions {
  store: Store;
  signingKey: ServiceSigningKey;
  audience: string;
  logger: Logger;
  metrics?: BotMetrics;
  /** How long a leased job stays with its agent before it is queued again (default 60 s). */
  leaseMs?: number;
  /** Longest a lease call waits for work (default 25 s, under common proxy idle timeouts of 30 s). */
  longPollMs?: number;
  /**
   * An agent's "last seen" is written at most this often per replica
   * (default 5 s); keep it well under the window in which an agent counts as alive.
   */
  touchEveryMs?: number;
  /** Confirm every newly enrolled agent at once (the local trial); otherwise an admin must. */
  autoConfirmAgents?: boolean;
  /** Told of every result this gateway recorded, once it is stored (the service delivers it). */
  onResultRecorded?: (jobId: string) => void;
  now?: () => Date;
}

export interface AgentGateway extends RouteGroup {
  /** Told of every enrollment still to be confirmed, e.g. to ask the admins; a listener's failure is logged and changes nothing. */
  onAgentEnrolled(listener: (agent: Agent) => Promise<void>): void;
  /** Ends every waiting long-poll (answering "no job") and stops listening. */
  close(): Promise<void>;
}

export const DEFAULT_TOUCH_EVERY_MS = 5_000;

// Agent messages are small; a sealed job never travels this way in.
const MAX_BODY_BYTES = 16 * 1024;

class GatewayError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

const EmptyBodySchema = z.strictObject({});
const LeaseBodySchema = z.strictObject({ waitMs: z.number().int().min(0).max(25_000).optional(), version: AgentVersionSchema.optional() });
const ReleaseBodySchema = z.strictObject({ jobId: ProtocolIdSchema });

function parseBody<S extends z.ZodType>(schema: S, req: Request): z.output<S> {
  const length = Number(req.header('content-length') ?? '0');
  if (length > MAX_BODY_BYTES) throw new GatewayError(413, 'GATEWAY_BODY_TOO_LARGE', `The request body is larger than ${MAX_BODY_BYTES} bytes.`);
  const body: unknown = req.body === undefined || req.body === '' ? {} : req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new GatewayError(400, 'GATEWAY_INVALID_INPUT', 'The request body must be a JSON object.');
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    // Field paths and rules only: values may be secrets sent to the wrong place.
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ').slice(0, 500);
    throw new GatewayError(400, 'GATEWAY_INVALID_INPUT', `The request is not valid: ${problems}`);
  }
  return parsed.data;
}

const TOKEN_STATUS: Record<string, number> = {
  PROTOCOL_TOKEN_INVALID: 401,
  PROTOCOL_TOKEN_EXPIRED: 401,
  PROTOCOL_TOKEN_REPLAYED: 401,
  PROTOCOL_AGENT_UNKNOWN: 401,
  PROTOCOL_AGENT_REVOKED: 403,
  PROTOCOL_AGENT_NOT_CONFIRMED: 403,
  PROTOCOL_KEY_INVALID: 401,
};

// A token spent in the store call's own statement, refused there: answered as the token check would have.
const STORE_TOKEN_REFUSAL: Record<string, { status: number; code: string }> = {
  STORE_AGENT_UNKNOWN: { status: 401, code: 'PROTOCOL_AGENT_UNKNOWN' },
  STORE_AGENT_REVOKED: { status: 403, code: 'PROTOCOL_AGENT_REVOKED' },
  STORE_AGENT_TOKEN_REPLAYED: { status: 401, code: 'PROTOCOL_TOKEN_REPLAYED' },
};

const STORE_STATUS: Record<string, number> = {
  ENROLL_CODE_INVALID: 403,
  ENROLL_CODE_USED: 403,
  ENROLL_CODE_EXPIRED: 403,
  STORE_NOT_FOUND: 404,
  STORE_LEASE_NOT_HELD: 409,
  STORE_WRITE_VERSION_CONFLICT: 409,
  STORE_INVALID_INPUT: 400,
};

/** A lease is named by its job and attempt: the same job leased again is another lease. */
function leaseIdOf(job: WritebackJob): string {
  return `${job.id}.${job.attempts}`;
}

function attemptOf(jobId: string, leaseId: string): number | undefined {
  if (!leaseId.startsWith(`${jobId}.`)) return undefined;
  const attempt = Number(leaseId.slice(jobId.length + 1));
  return Number.isInteger(attempt) && attempt > 0 ? attempt : undefined;
}

export function createAgentGateway(o: AgentGatewayOptions): AgentGateway {
  const { store, logger } = o;
  const now = o.now ?? (() => new Date());
  const leaseMs = o.leaseMs ?? 60_000;
  const longPollMs = o.longPollMs ?? 25_000;
  const touches = new TouchThrottle(o.touchEveryMs ?? DEFAULT_TOUCH_EVERY_MS, now);
  const wake = new WakeSignal();
  const versions = new Map<string, string>();
  const enrolledListeners: Array<(agent: Agent) => Promise<void>> = [];
  let unlisten: Promise<() => Promise<void>> | undefined;
  let closed = false;

  const registry = o.metrics?.registry;
  const leaseWaitName = 'resetdesk_agent_lease_wait_seconds';
  const leaseWait = registry
    ? ((registry.getSingleMetric(leaseWaitName) as Histogram<'outcome'> | undefined) ??
      new Histogram({
        name: leaseWaitName,
        help: 'How long agent lease calls waited, by whether they got a job',
        labelNames: ['outcome'],
        buckets: [0.001, 0.005, 0.025, 0.1, 0.5, 1, 5, 15, 30],
        registers: [registry],
      }))
    : undefined;

  function listenForJobs(): Promise<unknown> {
    // A job id wakes one waiter; an empty notice (some may have been missed) wakes them all.
    unlisten ??= store.onJobQueued((jobId) => (jobId === null ? wake.fireAll() : wake.fireOne())).catch((err: unknown) => {
      unlisten = undefined;
      throw err;
    });
    return unlisten;
  }

  function touch(agentId: string, version?: string): Promise<void> {
    // A new version is written at once; otherwise "last seen" is thinned out.
    if (version !== undefined && versions.get(agentId) !== version) {
      versions.set(agentId, version);
      return store.touchAgent(agentId, version);
    }
    return touches.touch(agentId, (id) => store.touchAgent(id));
  }

  // Agents' public signing keys by id. A key is set at enrollment and never
  // changes, so a token is checked against the one kept here; whether the
  // agent is still enrolled, confirmed and not revoked is read fresh on every
  // call, with its token id, in one statement: the call's own, for the calls
  // of every job (write start, result), once the agent is known here.
  const signingKeys = new Map<string, unknown>();
  // Agents this replica saw confirmed. A confirmation is never taken back
  // (revocation is), so only revocation is left for the statement to check.
  const confirmedAgents = new Set<string>();

  /**
   * The agent a request comes from. With `inStatement`, a token of a
   * confirmed agent whose key is kept here is returned unspent, as `token`:
   * the caller must hand it to the store call that makes its change, which
   * spends it and checks the agent in the same statement.
   */
  async function authenticate(req: Request, inStatement = false): Promise<{ agentId: string; confirmed: boolean; token?: AgentTokenUse }> {
    const header = req.header('authorization') ?? '';
    const match = /^Bearer ([A-Za-z0-9._-]{1,4096})$/.exec(header);
    if (!match) throw new GatewayError(401, 'PROTOCOL_TOKEN_INVALID', 'The request carries no agent token.');
    let asked: string | undefined;
    let verifiedWith: unknown;
    let keyWasKept = false;
    let current: Agent | null = null;
    let unspent: AgentTokenUse | undefined;
    try {
      const agentId = await verifyLeaseToken(match[1], {
        lookupAgentKey: async (id) => {
          asked = id;
          verifiedWith = signingKeys.get(id);
          keyWasKept = verifiedWith !== undefined;
          // Revocation is not judged here but on the row read with the token id below.
          if (verifiedWith !== undefined) return { signingJwk: verifiedWith, revoked: false };
          const agent = await store.getAgent(id);
          if (!agent) return undefined;
          if (signingKeys.size >= 1_000) signingKeys.clear();
          signingKeys.set(id, agent.signingJwk);
          verifiedWith = agent.signingJwk;
          return { signingJwk: agent.signingJwk, revoked: agent.revokedAt !== null };
        },
        audience: o.audience,
        rememberJti: async (jti, expiresAt) => {
          if (inStatement && keyWasKept && confirmedAgents.has(asked!)) {
            unspent = { agentId: asked!, jti, expiresAt, signingJwk: verifiedWith as PublicJwk };
            return true;
          }
          const remembered = await store.rememberAgentTokenId(asked!, jti, expiresAt);
          current = remembered.agent;
          return remembered.fresh;
        },
        now,
      });
      if (unspent) return { agentId, confirmed: true, token: unspent };
      const agent = current as Agent | null;
      if (!agent || JSON.stringify(agent.signingJwk) !== JSON.stringify(verifiedWith)) {
        signingKeys.delete(agentId);
        throw new ProtocolError('PROTOCOL_AGENT_UNKNOWN', 'No agent is enrolled under that id.', { agentId });
      }
      if (agent.revokedAt !== null) throw new ProtocolError('PROTOCOL_AGENT_REVOKED', 'This agent has been revoked; enroll it again.', { agentId });
      if (agent.confirmedAt != null) confirmedAgents.add(agentId);
      return { agentId, confirmed: agent.confirmedAt != null };
    } catch (err) {
      if (isProtocolError(err) && TOKEN_STATUS[err.code]) throw new GatewayError(TOKEN_STATUS[err.code]!, err.code, err.message);
      throw err;
    }
  }

  /**
   * Runs the store call that spends an unspent token. An agent the store no
   * longer knows by that key loses its kept key, and its next call reads it
   * again.
   */
  async function spending<T>(agentId: string, token: AgentTokenUse | undefined, change: () => Promise<T>): Promise<T> {
    try {
      return await change();
    } catch (err) {
      if (token && isResetDeskError(err) && err.code === 'STORE_AGENT_UNKNOWN') {
        signingKeys.delete(agentId);
        confirmedAgents.delete(agentId);
      }
      throw err;
    }
  }

  /** Checks made before that store call: a call they refuse (its body, say) spends the token on its own, so no token outlives its call. */
  async function spentIfRefused<T>(token: AgentTokenUse | undefined, check: () => T): Promise<T> {
    try {
      return check();
    } catch (err) {
      if (token) await store.rememberAgentTokenId(token.agentId, token.jti, token.expiresAt).catch(() => undefined);
      throw err;
    }
  }

  function route(name: string, handler: (req: Request, res: Response) => Promise<{ status: number; body: unknown }>) {
    return async (req: Request, res: Response): Promise<void> => {
      try {
        const { status, body } = await handler(req, res);
        if (status === 204) res.send(204);
        else res.send(status, body);
      } catch (err) {
        let status = 500;
        let code = 'GATEWAY_INTERNAL_ERROR';
        let message = 'The service could not handle the request.';
        if (err instanceof GatewayError) ({ status, code, message } = err);
        else if (isResetDeskError(err) && STORE_TOKEN_REFUSAL[err.code]) ({ status, code } = STORE_TOKEN_REFUSAL[err.code]!), (message = err.message);
        else if (isResetDeskError(err) && STORE_STATUS[err.code]) ({ code, message } = err), (status = STORE_STATUS[err.code]!);
        else if (isProtocolError(err)) ({ code, message } = err), (status = 400);
        const log = status >= 500 ? logger.error.bind(logger) : logger.warn.bind(logger);
        log({ route: name, status, code, err: status >= 500 ? { name: (err as Error)?.name, code: codeOf(err) } : undefined }, 'agent gateway refused a request');
        if (!res.headersSent) res.send(status, { code, message });
      }
    };
  }

  function toLeased(job: WritebackJob): LeaseResponse {
    return {
      job: {
        jobId: job.id,
        leaseId: leaseIdOf(job),
        leaseExpiresAt: job.leaseExpiresAt!.toISOString(),
        jws: job.signedJob!,
        ...(job.writeFromVersion != null ? { earlierWrite: { passwordVersion: job.writeFromVersion } } : {}),
      },
    };
  }

  /** A job leased now if one is queued (never waited for), for an agent still on the line. */
  async function leaseNow(agentId: string, req: Request, res: Response): Promise<LeaseResponse['job']> {
    const job = await store.leaseJob(agentId, leaseMs);
    if (!job) return null;
    // More may be queued: a waiting lane looks.
    wake.fireOne();
    if (req.socket.destroyed || res.destroyed || res.writableEnded) {
      await store.releaseLease(job.id, agentId).catch(() => undefined);
      return null;
    }
    logger.info({ agentId, jobId: job.id, kind: job.kind, attempt: job.attempts, at: preciseEpochMs() }, 'job leased');
    return toLeased(job).job;
  }

  /**
   * Leases at once if a job is queued; otherwise waits to be woken (a job
   * queued on any replica wakes one waiter here), for the deadline, or for the
   * agent to hang up.
   */
  async function waitForJob(agentId: string, waitMs: number, gone: () => boolean, hungUp: Promise<void>): Promise<WritebackJob | null> {
    if (closed) return null;
    await listenForJobs();
    const deadline = Date.now() + waitMs;
    // The waiter woken last time round: its wake is acted on by the next lease attempt, or passed on.
    let woken: Waiter | undefined;
    for (;;) {
      // Registered before the lease attempt, so a job queued in between still wakes this wait.
      const waiter = wake.next();
      if (gone()) {
        waiter.leave();
        woken?.leave();
        return null;
      }
      woken = undefined;
      let job: WritebackJob | null;
      try {
        job = await store.leaseJob(agentId, leaseMs);
      } catch (err) {
        waiter.leave();
        throw err;
      }
      if (job) {
        waiter.leave();
        // More may be queued: the next waiter looks.
        wake.fireOne();
        return job;
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0 || closed || gone()) {
        waiter.leave();
        return null;
      }
      await waiter.wait(remaining, hungUp);
      woken = waiter;
    }
  }

  const gateway: AgentGateway = {
    onAgentEnrolled(listener) {
      enrolledListeners.push(listener);
    },

    register(server: Server) {
      server.post('/api/agent/enroll', route('enroll', async (req) => {
        const body = parseBody(EnrollmentRequestSchema, req);
        const thumbprint = await jwkThumbprint(body.signingJwk);
        let agent = await store.enrollAgent(
          body.code,
          { name: body.name, signingJwk: body.signingJwk, encryptionJwk: body.encryptionJwk, managedOus: body.ous, ...(body.version ? { version: body.version } : {}) },
          { actor: { kind: 'system', id: 'agent-gateway' }, action: 'agent.enrolled', details: { managedOus: body.ous.join('; '), keyThumbprint: thumbprint } },
        );
        logger.info({ agentId: agent.id, agentName: agent.name, keyThumbprint: thumbprint }, 'agent enrolled; waiting for an admin to confirm it');
        if (o.autoConfirmAgents) {
          agent = await store.confirmAgent(agent.id, 'auto-confirm', { actor: { kind: 'system', id: 'auto-confirm' }, action: 'agent.confirmed', details: { keyThumbprint: thumbprint } });
          logger.warn({ agentId: agent.id }, 'agent confirmed automatically (RESETDESK_AGENT_AUTO_CONFIRM)');
        } else {
          for (const listener of enrolledListeners) {
            await listener(agent).catch((err: unknown) => logger.warn({ err: { code: codeOf(err) }, agentId: agent.id }, 'could not ask the admins to confirm the new agent'));
          }
        }
        const answer: EnrollmentResponse = { agentId: agent.id, serviceSigningJwk: o.signingKey.publicJwk, serviceKeyId: o.signingKey.keyId, audience: o.audience };
        return { status: 201, body: answer };
      }));

      server.post('/api/agent/lease', route('lease', async (req, res) => {
        // Stopping: an agent told "no job" would ask again at once and keep the
        // listener busy for ever; a 503 sends it to its back-off (and another replica).
        if (closed) throw new GatewayError(503, 'SERVICE_STOPPING', 'The service is stopping; ask again shortly.');
        const { agentId, confirmed } = await authenticate(req);
        const body = parseBody(LeaseBodySchema, req);
        // Seen even while it waits for confirmation, so the admin can tell it is running.
        await touch(agentId, body.version);
        if (!confirmed) {
          throw new GatewayError(403, 'PROTOCOL_AGENT_NOT_CONFIRMED', 'An admin has not confirmed this agent yet; it gets no jobs until then. Ask them to compare its key thumbprint and confirm it.');
        }
        let gone = false;
        let onClose!: () => void;
        const hangUp = new Promise<void>((resolve) => {
          onClose = (): void => {
            gone = true;
            resolve();
          };
        });
        res.once('close', onClose);
        // The agent may have hung up while we authenticated it (a restart does that),
        // before the listener above existed: a job leased then would sit with nobody
        // until its lease ran out.
        const hungUp = (): boolean => gone || req.socket.destroyed || res.destroyed;
        const started = Date.now();
        try {
          const job = await waitForJob(agentId, Math.min(body.waitMs ?? longPollMs, longPollMs), hungUp, hangUp);
          leaseWait?.observe({ outcome: job ? 'job' : 'empty' }, (Date.now() - started) / 1000);
          if (job && (hungUp() || res.writableEnded)) {
            // The agent hung up while we leased for it: give the job straight back.
            await store.releaseLease(job.id, agentId).catch(() => undefined);
            return { status: 204, body: null };
          }
          if (job) logger.info({ agentId, jobId: job.id, kind: job.kind, attempt: job.attempts, at: preciseEpochMs() }, 'job leased');
          return { status: 200, body: job ? toLeased(job) : ({ job: null } satisfies LeaseResponse) };
        } finally {
          res.removeListener('close', onClose);
        }
      }));

      server.post('/api/agent/result', route('result', async (req, res) => {
        const { agentId, confirmed, token } = await authenticate(req, true);
        const result = await spentIfRefused(token, () => parseBody(JobResultSchema, req));
        const done = await spending(agentId, token, () => store.completeJob(
          result.jobId,
          agentId,
          { outcome: result.outcome, result: { code: result.code, message: result.message }, ...(result.inspect ? { inspectReport: result.inspect } : {}) },
          { actor: { kind: 'agent', id: agentId }, action: `writeback.job_${result.outcome}`, details: { jobId: result.jobId, code: result.code } },
          token,
        ));
        logger.info({ agentId, jobId: done.id, kind: done.kind, outcome: done.state, code: result.code, at: preciseEpochMs() }, 'job result recorded');
        o.onResultRecorded?.(done.id);
        await touch(agentId);
        const answer: ResultAnswer = { jobId: done.id, state: done.state };
        // The lane asks for its next job in this call instead of a lease call of its own (a round trip and a token fewer per job).
        // The result is recorded whatever happens next: a failed lease only sends the lane to its lease call.
        if (req.query?.next === '1') {
          answer.next = confirmed && !closed
            ? await leaseNow(agentId, req, res).catch((err: unknown) => {
              logger.warn({ agentId, err: { name: (err as Error)?.name, code: codeOf(err) } }, 'could not lease the next job with the result; the agent will ask for it');
              return null;
            })
            : null;
        }
        return { status: 200, body: answer };
      }));

      // "About to write, from version N" (agent/protocol/write-start.ts): kept on
      // the job for whichever agent leases it next; the lease is renewed so
      // the write it announces cannot overlap another agent's.
      server.post('/api/agent/write-start', route('write-start', async (req) => {
        const { agentId, token } = await authenticate(req, true);
        const { body, attempt } = await spentIfRefused(token, () => {
          const body = parseBody(WriteStartSchema, req);
          const attempt = attemptOf(body.jobId, body.leaseId);
          if (attempt === undefined) throw new GatewayError(409, 'STORE_LEASE_NOT_HELD', 'This job is not leased to this agent.');
          return { body, attempt };
        });
        const job = await spending(agentId, token, () => store.recordWriteStart({ jobId: body.jobId, agentId, attempt, passwordVersion: body.passwordVersion, renewLeaseMs: leaseMs }, token));
        logger.info({ agentId, jobId: job.id, attempt, passwordVersion: body.passwordVersion }, 'password write started');
        const answer: WriteStartAnswer = { jobId: job.id, passwordVersion: job.writeFromVersion!, writeWithinMs: writeWindowMs(leaseMs) };
        return { status: 200, body: answer };
      }));

      server.post('/api/agent/release', route('release', async (req) => {
        const { agentId } = await authenticate(req);
        const { jobId } = parseBody(ReleaseBodySchema, req);
        const job = await store.releaseLease(jobId, agentId);
        logger.info({ agentId, jobId }, 'lease returned by the agent');
        return { status: 200, body: { jobId: job.id, state: job.state } };
      }));

      server.post('/api/agent/heartbeat', route('heartbeat', async (req) => {
        const { agentId } = await authenticate(req);
        parseBody(EmptyBodySchema, req);
        await touch(agentId);
        return { status: 200, body: { ok: true } };
      }));
    },

    async close() {
      closed = true;
      wake.fireAll();
      const pending = unlisten;
      unlisten = undefined;
      if (pending) await (await pending.catch(() => async () => undefined))();
    },
  };
  return gateway;
}

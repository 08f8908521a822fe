// The agent's side of /api/agent/*: outbound HTTPS only, a fresh one-use
// lease token on every call. Failures come back as two kinds: the service
// could not be reached (retry with back-off) or it refused (a typed code).
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { AGENT_VERSION } from '../version';
import type { CryptoKey } from 'jose';
import {
  acceptEnrollmentResponse,
  createLeaseToken,
  LeaseResponseSchema,
  ResultAnswerSchema,
  WriteStartAnswerSchema,
  type EnrollmentRequest,
  type EnrollmentResponse,
  type JobResult,
  type LeasedJob,
  type WriteStart,
  type WriteStartAnswer,
} from '../protocol';

export class ServiceUnreachableError extends Error {
  readonly code = 'AGENT_SERVICE_UNREACHABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ServiceUnreachableError';
  }
}

export class ServiceRefusedError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = 'ServiceRefusedError';
  }
}

// The server holds a lease call for up to 25 s; allow for the round trip.
const LEASE_TIMEOUT_MS = 35_000;
const CALL_TIMEOUT_MS = 15_000;

// Node's own http/https with keep-alive rather than fetch: fetch brings undici
// (several MB of resident memory in a daemon that should stay small; see
// bench/README.md), and one kept connection per lane is all the agent needs.
const keepAlive = { keepAlive: true, maxSockets: 64, scheduling: 'lifo' as const };
const httpAgent = new HttpAgent(keepAlive);
const httpsAgent = new HttpsAgent(keepAlive);

function send(url: URL, payload: string, headers: Record<string, string>, signal: AbortSignal): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(payload)) },
      agent: url.protocol === 'https:' ? httpsAgent : httpAgent,
      signal,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

async function post(url: string, body: unknown, o: { token?: string; signal?: AbortSignal; timeoutMs: number }): Promise<{ status: number; json: unknown }> {
  const signals = [AbortSignal.timeout(o.timeoutMs), ...(o.signal ? [o.signal] : [])];
  let res: { status: number; text: string };
  try {
    res = await send(new URL(url), JSON.stringify(body), {
      'content-type': 'application/json', accept: 'application/json', ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
    }, AbortSignal.any(signals));
  } catch (err) {
    // The code names the network problem (ECONNREFUSED, a TLS failure); it never holds the body.
    const code = (err as { code?: string }).code;
    throw new ServiceUnreachableError(`The ResetDesk service cannot be reached (${code ?? (err as Error).name}).`, { cause: err });
  }
  let json: unknown = null;
  try {
    json = res.text ? JSON.parse(res.text) : null;
  } catch {
    json = null;
  }
  if (res.status >= 500 || res.status === 429) {
    throw new ServiceUnreachableError(`The ResetDesk service answered ${res.status}; it may be restarting.`);
  }
  // A redirect is never followed: the agent talks to the URL it enrolled with, or to nobody.
  if (res.status >= 300) {
    const e = (json ?? {}) as { code?: unknown; message?: unknown };
    throw new ServiceRefusedError(
      res.status,
      typeof e.code === 'string' ? e.code : `HTTP_${res.status}`,
      typeof e.message === 'string' ? e.message.slice(0, 500) : `The service refused the call (${res.status}).`,
    );
  }
  return { status: res.status, json };
}

/** Registers this agent's public keys with a one-time code; validates the service key it must pin. */
export async function enrollWithService(serviceUrl: string, request: EnrollmentRequest): Promise<EnrollmentResponse> {
  const { json } = await post(`${serviceUrl}/api/agent/enroll`, request, { timeoutMs: CALL_TIMEOUT_MS });
  return acceptEnrollmentResponse(json);
}

export interface GatewayClientOptions {
  serviceUrl: string;
  agentId: string;
  audience: string;
  signingKey: CryptoKey;
  now?: () => Date;
}

export class GatewayClient {
  constructor(private readonly o: GatewayClientOptions) {}

  private async call(path: string, body: unknown, timeoutMs: number, signal?: AbortSignal): Promise<{ status: number; json: unknown }> {
    const token = await createLeaseToken(this.o.signingKey, { agentId: this.o.agentId, audience: this.o.audience, ...(this.o.now ? { now: this.o.now } : {}) });
    return post(`${this.o.serviceUrl}${path}`, body, { token, timeoutMs, ...(signal ? { signal } : {}) });
  }

  /** Waits for work (long-poll); null when none came in time. */
  async lease(signal?: AbortSignal): Promise<LeasedJob | null> {
    const { status, json } = await this.call('/api/agent/lease', { version: AGENT_VERSION }, LEASE_TIMEOUT_MS, signal);
    if (status === 204) return null;
    const parsed = LeaseResponseSchema.safeParse(json);
    if (!parsed.success) throw new ServiceRefusedError(status, 'AGENT_LEASE_INVALID', 'The service answered the lease call with something unexpected.');
    return parsed.data.job;
  }

  /**
   * Reports a result. With `next`, the same call asks for the lane's next job
   * (leased at once if one is queued, never waited for); the job, or null
   * when none was queued or the service does not offer it.
   */
  async result(result: JobResult, opts: { next?: boolean } = {}): Promise<LeasedJob | null> {
    const { json } = await this.call(`/api/agent/result${opts.next ? '?next=1' : ''}`, result, CALL_TIMEOUT_MS);
    if (!opts.next) return null;
    const parsed = ResultAnswerSchema.safeParse(json);
    // The result was taken (the call succeeded); an answer we cannot read only costs the job the
    // service may have leased us with it: its lease lapses and it is queued again.
    return parsed.success ? (parsed.data.next ?? null) : null;
  }

  /** "About to write, from this version": answered only while this agent holds the job's lease, which it renews. */
  async writeStart(start: WriteStart): Promise<WriteStartAnswer> {
    const { status, json } = await this.call('/api/agent/write-start', start, CALL_TIMEOUT_MS);
    const parsed = WriteStartAnswerSchema.safeParse(json);
    // Anything but the version asked for, for this job, is no promise to write on.
    if (!parsed.success || parsed.data.jobId !== start.jobId || parsed.data.passwordVersion !== start.passwordVersion) {
      throw new ServiceRefusedError(status, 'AGENT_WRITE_START_INVALID', 'The service answered the write start with something unexpected.');
    }
    return parsed.data;
  }

  async release(jobId: string): Promise<void> {
    await this.call('/api/agent/release', { jobId }, CALL_TIMEOUT_MS);
  }

  async heartbeat(): Promise<void> {
    await this.call('/api/agent/heartbeat', {}, CALL_TIMEOUT_MS);
  }
}

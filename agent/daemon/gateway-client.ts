// The agent's side of /api/agent/*: outbound HTTPS only, a fresh one-use
// lease token on every call. Failures come back as two kinds: the service
// could not be reached (retry with back-off) or it refused (a typed code).
import { AGENT_VERSION } from '../version';
import type { CryptoKey } from 'jose';
import {
  acceptEnrollmentResponse,
  createLeaseToken,
  LeaseResponseSchema,
  type EnrollmentRequest,
  type EnrollmentResponse,
  type JobResult,
  type LeasedJob,
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

async function post(url: string, body: unknown, o: { token?: string; signal?: AbortSignal; timeoutMs: number }): Promise<{ status: number; json: unknown }> {
  const signals = [AbortSignal.timeout(o.timeoutMs), ...(o.signal ? [o.signal] : [])];
  let res: globalThis.Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...(o.token ? { authorization: `Bearer ${o.token}` } : {}) },
      body: JSON.stringify(body),
      signal: AbortSignal.any(signals),
      redirect: 'error',
    });
  } catch (err) {
    // The cause names the network problem (ECONNREFUSED, a TLS failure); it never holds the body.
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new ServiceUnreachableError(`The ResetDesk service cannot be reached (${cause?.code ?? (err as Error).name}).`, { cause: err });
  }
  const text = await res.text().catch(() => '');
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (res.status >= 500 || res.status === 429) {
    throw new ServiceUnreachableError(`The ResetDesk service answered ${res.status}; it may be restarting.`);
  }
  if (res.status >= 400) {
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

  async result(result: JobResult): Promise<void> {
    await this.call('/api/agent/result', result, CALL_TIMEOUT_MS);
  }

  async release(jobId: string): Promise<void> {
    await this.call('/api/agent/release', { jobId }, CALL_TIMEOUT_MS);
  }

  async heartbeat(): Promise<void> {
    await this.call('/api/agent/heartbeat', {}, CALL_TIMEOUT_MS);
  }
}

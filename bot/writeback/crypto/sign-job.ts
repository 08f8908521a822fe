import {
  epochSeconds,
  JOB_TYP,
  JobPayloadSchema,
  MAX_JOB_LIFETIME_SECONDS,
  ProtocolError,
  systemClock,
  type Clock,
  type JobPayload,
} from '../../../agent/protocol';
import type { ServiceSigningKey } from './service-signing-key';

// A queued job waits at most 10 minutes by default, then may sit in a lease;
// the signature must outlast both.
export const DEFAULT_JOB_TTL_SECONDS = 15 * 60;

/** iat/nbf/exp for a job signed now. */
export function jobValidity(options: { now?: Clock; ttlSeconds?: number } = {}): { iat: number; nbf: number; exp: number } {
  const ttl = options.ttlSeconds ?? DEFAULT_JOB_TTL_SECONDS;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_JOB_LIFETIME_SECONDS) {
    throw new ProtocolError('PROTOCOL_INPUT_INVALID', `A job lives between 1 and ${MAX_JOB_LIFETIME_SECONDS} seconds.`);
  }
  const iat = epochSeconds(options.now ?? systemClock);
  return { iat, nbf: iat, exp: iat + ttl };
}

/**
 * Signs a job as a compact JWS (typ resetdesk-job+jwt, kid = service key id).
 * The payload is checked against the same strict schema the agent applies,
 * so the service cannot sign a job every agent would refuse.
 */
export async function signJob(payload: JobPayload, key: ServiceSigningKey): Promise<string> {
  const parsed = JobPayloadSchema.safeParse(payload);
  if (!parsed.success) {
    throw new ProtocolError('PROTOCOL_JOB_INVALID', 'The job does not have the expected shape.', {
      problem: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ').slice(0, 500),
    });
  }
  if (parsed.data.iss !== key.keyId) {
    throw new ProtocolError('PROTOCOL_JOB_INVALID', 'The job issuer must be the id of the key that signs it.');
  }
  return key.signCompact(new TextEncoder().encode(JSON.stringify(parsed.data)), JOB_TYP);
}

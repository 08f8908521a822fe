import { compactVerify, type JWK } from 'jose';
import { epochSeconds, systemClock, type Clock } from './clock';
import { ProtocolError } from './errors';
import { importKeyFor, jwkThumbprint, SigningPublicJwkSchema } from './jwk';
import { JobPayloadSchema, type JobPayload } from './job';
import { parseJsonPayload, readStrictHeader, type HeaderRefusal } from './jws-header';
import { CLOCK_TOLERANCE_SECONDS, JOB_TYP, SIGNING_ALG } from './protocol-constants';

export interface VerifyJobOptions {
  /** The service signing key the agent pinned at enrollment; no other key is ever accepted. */
  pinnedServiceJwk: JWK;
  /** The deployment audience the agent received at enrollment. */
  audience: string;
  now?: Clock;
}

const MAX_JOB_JWS_LENGTH = 65536;

const HEADER_REFUSALS: Record<HeaderRefusal, string> = {
  malformed: 'The job is not a signed token.',
  'unexpected header': 'The job header carries unexpected parameters.',
  algorithm: 'The job is not signed with the expected algorithm.',
  type: 'The token is not a job.',
};

function badSignature(message: string): ProtocolError {
  return new ProtocolError('PROTOCOL_JOB_SIGNATURE', message);
}

/**
 * Checks a job on the agent before anything touches the directory: signed
 * by the pinned service key, meant for this deployment, inside its validity
 * window, and exactly the shape of a job. Returns the validated payload.
 * The OU scope check needs the target's DN and happens in the LDAP layer
 * (see isDnInScope).
 */
export async function verifyJob(jws: unknown, options: VerifyJobOptions): Promise<JobPayload> {
  if (typeof jws !== 'string' || jws.length === 0) throw badSignature('The job is not signed.');
  if (jws.length > MAX_JOB_JWS_LENGTH) throw badSignature('The signed job is too large.');

  const header = readStrictHeader(jws, JOB_TYP);
  if ('refused' in header) throw badSignature(HEADER_REFUSALS[header.refused]);

  const pinned = SigningPublicJwkSchema.safeParse(options.pinnedServiceJwk);
  if (!pinned.success) throw new ProtocolError('PROTOCOL_KEY_INVALID', 'The pinned service key is not a valid signing key.');
  const pinnedKeyId = await jwkThumbprint(pinned.data);
  if (header.kid !== pinnedKeyId) throw badSignature('The job is signed by a key other than the pinned service key.');

  const key = await importKeyFor('signing-public', pinned.data);
  let payloadBytes: Uint8Array;
  try {
    ({ payload: payloadBytes } = await compactVerify(jws, key, { algorithms: [SIGNING_ALG] }));
  } catch {
    throw badSignature('The job signature does not verify against the pinned service key.');
  }

  const json = parseJsonPayload(payloadBytes);
  if (json === undefined) throw new ProtocolError('PROTOCOL_JOB_INVALID', 'The job payload is not JSON.');
  const parsed = JobPayloadSchema.safeParse(json);
  if (!parsed.success) {
    throw new ProtocolError('PROTOCOL_JOB_INVALID', 'The job does not have the expected shape.', {
      problem: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ').slice(0, 500),
    });
  }
  const job = parsed.data;
  if (job.iss !== pinnedKeyId) throw new ProtocolError('PROTOCOL_JOB_INVALID', 'The job names a different issuer than the key that signed it.');
  if (job.aud !== options.audience) throw new ProtocolError('PROTOCOL_JOB_AUDIENCE', 'The job is meant for a different deployment.');

  const now = epochSeconds(options.now ?? systemClock);
  if (now - CLOCK_TOLERANCE_SECONDS >= job.exp) {
    throw new ProtocolError('PROTOCOL_JOB_EXPIRED', 'The job has expired.', { jobId: job.jobId });
  }
  if (now + CLOCK_TOLERANCE_SECONDS < job.nbf || now + CLOCK_TOLERANCE_SECONDS < job.iat) {
    throw new ProtocolError('PROTOCOL_JOB_NOT_YET_VALID', 'The job is not valid yet; check the clocks of the agent and the service.', { jobId: job.jobId });
  }
  return job;
}

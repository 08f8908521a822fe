import { CompactSign, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { jwkThumbprint, type SigningPublicJwk } from './jwk';
import { JOB_TYP } from './protocol-constants';
import { verifyJob } from './verify-job';

// These tests sign with jose directly rather than with the service's signJob,
// so they pin down what the agent accepts from any signer.
const AUDIENCE = 'https://resetdesk.example.com/api/agent';
const T0 = Date.UTC(2026, 0, 15, 9, 0, 0);
const at = (ms: number) => () => new Date(ms);

interface Signer {
  privateKey: CryptoKey;
  publicJwk: SigningPublicJwk;
  keyId: string;
}

async function newSigner(): Promise<Signer> {
  const pair = await generateKeyPair('EdDSA');
  const publicJwk = (await exportJWK(pair.publicKey)) as SigningPublicJwk;
  return { privateKey: pair.privateKey, publicJwk, keyId: await jwkThumbprint(publicJwk) };
}

function unlockJob(issuer: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const iat = Math.floor(T0 / 1000);
  return {
    jobId: 'job-1',
    requestId: 'req-1',
    kind: 'unlock',
    target: { sid: 'S-1-5-21-1004336348-1177238915-682003330-1106' },
    options: { approvedPrivileged: false },
    iss: issuer,
    aud: AUDIENCE,
    iat,
    nbf: iat,
    exp: iat + 600,
    ...overrides,
  };
}

async function sign(signer: Signer, payload: unknown, header: Record<string, unknown> = {}): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'EdDSA', typ: JOB_TYP, kid: signer.keyId, ...header })
    .sign(signer.privateKey);
}

describe('an agent checking a job before it touches the directory', () => {
  let service: Signer;
  let pinned: JWK;
  beforeAll(async () => {
    service = await newSigner();
    pinned = service.publicJwk;
  });

  const verify = (jws: unknown, now = T0 + 1000) => verifyJob(jws, { pinnedServiceJwk: pinned, audience: AUDIENCE, now: at(now) });

  it('accepts a job signed by the pinned service key and returns its payload', async () => {
    const job = await verify(await sign(service, unlockJob(service.keyId)));
    expect(job).toMatchObject({ jobId: 'job-1', kind: 'unlock', target: { sid: expect.stringMatching(/^S-1-5-21-/) } });
  });

  it.each([
    ['nothing at all', undefined],
    ['an empty string', ''],
    ['a string that is not a token', 'not-a-jws'],
    ['a JSON payload without a signature', Buffer.from(JSON.stringify({ kind: 'unlock' })).toString('base64url')],
  ])('refuses an unsigned job: %s', async (_label, jws) => {
    await expect(verify(jws)).rejects.toMatchObject({ code: 'PROTOCOL_JOB_SIGNATURE' });
  });

  it('refuses an "alg: none" job', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: JOB_TYP, kid: service.keyId })).toString('base64url');
    const payload = Buffer.from(JSON.stringify(unlockJob(service.keyId))).toString('base64url');
    await expect(verify(`${header}.${payload}.`)).rejects.toMatchObject({ code: 'PROTOCOL_JOB_SIGNATURE' });
  });

  it('refuses a job signed by another key, even one that claims the pinned key id', async () => {
    const intruder = await newSigner();
    await expect(verify(await sign(intruder, unlockJob(service.keyId), { kid: service.keyId }))).rejects.toMatchObject({ code: 'PROTOCOL_JOB_SIGNATURE' });
    await expect(verify(await sign(intruder, unlockJob(intruder.keyId)))).rejects.toMatchObject({ code: 'PROTOCOL_JOB_SIGNATURE' });
  });

  it('refuses a job whose header embeds a key to verify it with', async () => {
    const intruder = await newSigner();
    const jws = await sign(intruder, unlockJob(service.keyId), { kid: service.keyId, jwk: intruder.publicJwk });
    await expect(verify(jws)).rejects.toMatchObject({ code: 'PROTOCOL_JOB_SIGNATURE' });
  });

  it('refuses a token of another type signed by the same key', async () => {
    await expect(verify(await sign(service, unlockJob(service.keyId), { typ: 'JWT' }))).rejects.toMatchObject({ code: 'PROTOCOL_JOB_SIGNATURE' });
  });

  it('refuses a job whose payload was changed after signing', async () => {
    const jws = await sign(service, unlockJob(service.keyId));
    const [h, , s] = jws.split('.');
    const tampered = Buffer.from(JSON.stringify(unlockJob(service.keyId, { target: { sam: 'administrator' } }))).toString('base64url');
    await expect(verify(`${h}.${tampered}.${s}`)).rejects.toMatchObject({ code: 'PROTOCOL_JOB_SIGNATURE' });
  });

  it('refuses a job for another deployment', async () => {
    await expect(verify(await sign(service, unlockJob(service.keyId, { aud: 'https://other.example.com/api/agent' })))).rejects.toMatchObject({
      code: 'PROTOCOL_JOB_AUDIENCE',
    });
  });

  it('refuses an expired job, allowing a few seconds of clock drift', async () => {
    const jws = await sign(service, unlockJob(service.keyId));
    await expect(verify(jws, T0 + 600_000 + 2_000)).resolves.toMatchObject({ jobId: 'job-1' });
    await expect(verify(jws, T0 + 600_000 + 6_000)).rejects.toMatchObject({ code: 'PROTOCOL_JOB_EXPIRED' });
  });

  it('refuses a job that is not valid yet', async () => {
    const jws = await sign(service, unlockJob(service.keyId));
    await expect(verify(jws, T0 - 60_000)).rejects.toMatchObject({ code: 'PROTOCOL_JOB_NOT_YET_VALID' });
  });

  it.each([
    ['an unknown top-level field', { runAs: 'domain admin' }],
    ['an unknown option', { options: { skipScopeCheck: true } }],
    ['an unknown target field', { target: { sid: 'S-1-5-21-1-2-3-1106', dn: 'CN=Administrator,CN=Users,DC=corp' } }],
    ['no target at all', { target: {} }],
    ['an unknown kind', { kind: 'delete' }],
    ['a lifetime over an hour', { exp: Math.floor(T0 / 1000) + 7200 }],
    ['an issuer other than the signing key', { iss: 'A'.repeat(43) }],
  ])('refuses a correctly signed job with %s', async (_label, change) => {
    await expect(verify(await sign(service, unlockJob(service.keyId, change)))).rejects.toMatchObject({ code: 'PROTOCOL_JOB_INVALID' });
  });

  it('refuses to work with a pinned key that is not a signing key', async () => {
    const jws = await sign(service, unlockJob(service.keyId));
    await expect(verifyJob(jws, { pinnedServiceJwk: { kty: 'oct', k: 'AAAA' }, audience: AUDIENCE, now: at(T0) })).rejects.toMatchObject({
      code: 'PROTOCOL_KEY_INVALID',
    });
  });
});

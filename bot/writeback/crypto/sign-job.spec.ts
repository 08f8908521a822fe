import {
  generateAgentKeys,
  isProtocolError,
  JobPayloadSchema,
  openSealedPassword,
  verifyJob,
  type GeneratedAgentKeys,
  type JobPayload,
} from '../../../agent/protocol';
import { sealPasswordForAgents } from './seal-password';
import { generateServiceSigningKey, ServiceSigningKey } from './service-signing-key';
import { jobValidity, signJob } from './sign-job';

const CANARY = 'Canary-Job-Pw-51c0e9!';
const CANARY_CURRENT = 'Canary-Current-Pw-0b77d2!';
const AUDIENCE = 'https://resetdesk.example.com/api/agent';
const T0 = Date.UTC(2026, 0, 15, 9, 0, 0);
const at = (ms: number) => () => new Date(ms);

describe('jobs signed by the service and checked by an agent', () => {
  let service: ServiceSigningKey;
  let agents: { agentId: string; keys: GeneratedAgentKeys }[];

  beforeAll(async () => {
    service = await ServiceSigningKey.fromJwk((await generateServiceSigningKey()).privateJwk);
    agents = await Promise.all(['agent-a', 'agent-b', 'agent-c'].map(async (agentId) => ({ agentId, keys: await generateAgentKeys() })));
  });

  const sealForAll = (password: string) =>
    sealPasswordForAgents(password, agents.map((a) => ({ agentId: a.agentId, encryptionJwk: a.keys.publicKeys.encryptionJwk })));

  const resetJob = async (overrides: Partial<JobPayload> = {}): Promise<JobPayload> => ({
    jobId: 'job-42',
    requestId: 'req-42',
    kind: 'reset',
    target: { sid: 'S-1-5-21-1004336348-1177238915-682003330-1106', upn: 'ann.lee@corp.example' },
    options: { mustChangeAtNextLogon: false, enforceHistory: true },
    sealedPassword: await sealForAll(CANARY),
    iss: service.keyId,
    aud: AUDIENCE,
    ...jobValidity({ now: at(T0), ttlSeconds: 900 }),
    ...overrides,
  });

  const verifyAsAgent = (jws: string, now = T0 + 5_000, pinned: unknown = service.publicJwk) =>
    verifyJob(jws, { pinnedServiceJwk: pinned as never, audience: AUDIENCE, now: at(now) });

  it('a reset job round-trips, and any enrolled agent opens the new password from it', async () => {
    const jws = await signJob(await resetJob(), service);
    const job = await verifyAsAgent(jws);
    expect(job).toMatchObject({ jobId: 'job-42', kind: 'reset', options: { enforceHistory: true } });
    for (const agent of agents) {
      await expect(openSealedPassword(job.sealedPassword, agent.keys.privateJwks.encryptionJwk, agent.agentId)).resolves.toBe(CANARY);
    }
  });

  it('carries the protected header an agent expects', async () => {
    const jws = await signJob(await resetJob(), service);
    const header = JSON.parse(Buffer.from(jws.split('.')[0]!, 'base64url').toString('utf8'));
    expect(header).toEqual({ alg: 'EdDSA', typ: 'resetdesk-job+jwt', kid: service.keyId });
  });

  it('never contains the password in clear, in the token or in its decoded payload', async () => {
    const jws = await signJob(await resetJob(), service);
    expect(jws).not.toContain(CANARY);
    expect(Buffer.from(jws.split('.')[1]!, 'base64url').toString('utf8')).not.toContain(CANARY);
  });

  it('a change job carries the current and the new password, each sealed', async () => {
    const jws = await signJob(
      await resetJob({
        kind: 'change',
        options: {},
        sealedPassword: undefined,
        sealedCurrentPassword: await sealForAll(CANARY_CURRENT),
        sealedNewPassword: await sealForAll(CANARY),
      }),
      service,
    );
    const payload = Buffer.from(jws.split('.')[1]!, 'base64url').toString('utf8');
    expect(payload).not.toContain(CANARY);
    expect(payload).not.toContain(CANARY_CURRENT);
    const job = await verifyAsAgent(jws);
    const agent = agents[2]!;
    await expect(openSealedPassword(job.sealedCurrentPassword, agent.keys.privateJwks.encryptionJwk, agent.agentId)).resolves.toBe(CANARY_CURRENT);
    await expect(openSealedPassword(job.sealedNewPassword, agent.keys.privateJwks.encryptionJwk, agent.agentId)).resolves.toBe(CANARY);
  });

  it('unlock and inspect jobs carry no password', async () => {
    for (const kind of ['unlock', 'inspect'] as const) {
      const job = await verifyAsAgent(await signJob(await resetJob({ kind, options: {}, sealedPassword: undefined }), service));
      expect(job.kind).toBe(kind);
    }
  });

  it('an approved privileged reset carries the approval mark', async () => {
    const job = await verifyAsAgent(await signJob(await resetJob({ options: { approvedPrivileged: true } }), service));
    expect(job.options.approvedPrivileged).toBe(true);
  });

  it('is refused when signed by another service key', async () => {
    const other = await ServiceSigningKey.fromJwk((await generateServiceSigningKey()).privateJwk);
    const jws = await signJob(await resetJob({ iss: other.keyId }), other);
    await expect(verifyAsAgent(jws)).rejects.toMatchObject({ code: 'PROTOCOL_JOB_SIGNATURE' });
  });

  it('is refused by an agent that pinned an older service key after the key was replaced', async () => {
    const old = await ServiceSigningKey.fromJwk((await generateServiceSigningKey()).privateJwk);
    const jws = await signJob(await resetJob(), service);
    await expect(verifyAsAgent(jws, T0 + 5_000, old.publicJwk)).rejects.toMatchObject({ code: 'PROTOCOL_JOB_SIGNATURE' });
  });

  it('is refused when its payload was altered', async () => {
    const jws = await signJob(await resetJob(), service);
    const [h, p, s] = jws.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    payload.options.approvedPrivileged = true;
    const forged = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
    await expect(verifyAsAgent(forged)).rejects.toMatchObject({ code: 'PROTOCOL_JOB_SIGNATURE' });
  });

  it('is refused once expired', async () => {
    const jws = await signJob(await resetJob(), service);
    await expect(verifyAsAgent(jws, T0 + 900_000 + 10_000)).rejects.toMatchObject({ code: 'PROTOCOL_JOB_EXPIRED' });
  });

  it('is refused by the agents of another deployment', async () => {
    const jws = await signJob(await resetJob({ aud: 'https://resetdesk.other.example/api/agent' }), service);
    await expect(verifyAsAgent(jws)).rejects.toMatchObject({ code: 'PROTOCOL_JOB_AUDIENCE' });
  });

  it('no refusal of a reset job mentions its password', async () => {
    const other = await ServiceSigningKey.fromJwk((await generateServiceSigningKey()).privateJwk);
    const good = await signJob(await resetJob(), service);
    const [h, p, s] = good.split('.') as [string, string, string];
    const refusedElsewhere = await signJob(await resetJob({ aud: 'elsewhere' }), service);
    const byOther = await signJob(await resetJob({ iss: other.keyId }), other);
    const opened = await verifyAsAgent(good);
    const outsider = await generateAgentKeys();
    const unlockWithPassword = await resetJob({ kind: 'unlock' });
    const wrongIssuer = await resetJob({ iss: other.keyId });
    const attempts: (() => Promise<unknown>)[] = [
      () => verifyAsAgent(byOther),
      () => verifyAsAgent(`${h}.${p}.${s.slice(0, -4)}AAAA`),
      () => verifyAsAgent(good, T0 + 3_600_000),
      () => verifyAsAgent(refusedElsewhere),
      () => openSealedPassword(opened.sealedPassword, outsider.privateJwks.encryptionJwk, 'agent-a'),
      () => signJob(unlockWithPassword, service),
      () => signJob(wrongIssuer, service),
    ];
    for (const attempt of attempts) {
      const err = await attempt().then(
        () => new Error('expected a refusal'),
        (e: unknown) => e as Error,
      );
      expect(isProtocolError(err)).toBe(true);
      expect(JSON.stringify({ m: err.message, d: (err as { details?: unknown }).details, s: err.stack })).not.toContain(CANARY);
    }
  });

  it('is not signed by the service when it would be refused by the agents', async () => {
    await expect(signJob(await resetJob({ kind: 'unlock' }), service)).rejects.toMatchObject({ code: 'PROTOCOL_JOB_INVALID' });
    await expect(signJob(await resetJob({ sealedPassword: undefined }), service)).rejects.toMatchObject({ code: 'PROTOCOL_JOB_INVALID' });
    await expect(signJob(await resetJob({ target: {} }), service)).rejects.toMatchObject({ code: 'PROTOCOL_JOB_INVALID' });
    await expect(signJob({ ...(await resetJob()), extra: 1 } as JobPayload, service)).rejects.toMatchObject({ code: 'PROTOCOL_JOB_INVALID' });
  });

  it('names the signing key as its issuer', async () => {
    const other = await ServiceSigningKey.fromJwk((await generateServiceSigningKey()).privateJwk);
    await expect(signJob(await resetJob({ iss: other.keyId }), service)).rejects.toMatchObject({ code: 'PROTOCOL_JOB_INVALID' });
  });
});

describe('the job payload schema', () => {
  const base = {
    jobId: 'job-1',
    requestId: 'req-1',
    kind: 'unlock',
    target: { guid: '3f2504e0-4f89-11d3-9a0c-0305e82c3301' },
    options: {},
    iss: 'A'.repeat(43),
    aud: 'aud',
    iat: 1000,
    nbf: 1000,
    exp: 1600,
  };

  it.each([
    ['a target named only by SID', { target: { sid: 'S-1-5-21-1-2-3-500' } }, true],
    ['a target named only by sAMAccountName', { target: { sam: 'ann.lee' } }, true],
    ['a target with no identifier', { target: {} }, false],
    ['a malformed SID', { target: { sid: 'S-1-5-21-abc' } }, false],
    ['a malformed GUID', { target: { guid: 'not-a-guid' } }, false],
    ['an unlock with must-change-at-next-logon', { options: { mustChangeAtNextLogon: true } }, false],
    ['an inspect with an approval mark', { kind: 'inspect', options: { approvedPrivileged: true } }, false],
    ['an expiry before issue', { exp: 900 }, false],
    ['a not-before after expiry', { nbf: 1700 }, false],
  ])('%s → valid: %s', (_label, change, valid) => {
    expect(JobPayloadSchema.safeParse({ ...base, ...change }).success).toBe(valid);
  });
});

describe('job validity times', () => {
  it('start now and last the requested time, at most an hour', () => {
    expect(jobValidity({ now: at(T0), ttlSeconds: 600 })).toEqual({ iat: T0 / 1000, nbf: T0 / 1000, exp: T0 / 1000 + 600 });
    expect(() => jobValidity({ now: at(T0), ttlSeconds: 3601 })).toThrow(expect.objectContaining({ code: 'PROTOCOL_INPUT_INVALID' }));
    expect(() => jobValidity({ now: at(T0), ttlSeconds: 0 })).toThrow(expect.objectContaining({ code: 'PROTOCOL_INPUT_INVALID' }));
  });
});

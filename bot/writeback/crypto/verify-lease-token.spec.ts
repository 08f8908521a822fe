import { SignJWT } from 'jose';
import { createLeaseToken, generateAgentKeys, importKeyFor, type GeneratedAgentKeys } from '../../../agent/protocol';
import { verifyLeaseToken, type EnrolledAgentKey, type VerifyLeaseTokenOptions } from './verify-lease-token';

const AUDIENCE = 'https://resetdesk.example.com/api/agent';
const T0 = Date.UTC(2026, 0, 15, 9, 0, 0);
const at = (ms: number) => () => new Date(ms);

describe("an agent's lease token at the gateway", () => {
  let alpha: GeneratedAgentKeys;
  let beta: GeneratedAgentKeys;
  let enrolled: Map<string, EnrolledAgentKey>;
  let seenJtis: Map<string, Date>;

  beforeAll(async () => {
    alpha = await generateAgentKeys();
    beta = await generateAgentKeys();
  });

  beforeEach(() => {
    enrolled = new Map([
      ['agent-alpha', { signingJwk: alpha.publicKeys.signingJwk, revoked: false }],
      ['agent-beta', { signingJwk: beta.publicKeys.signingJwk, revoked: false }],
    ]);
    seenJtis = new Map();
  });

  const options = (now = T0 + 1_000): VerifyLeaseTokenOptions => ({
    lookupAgentKey: async (agentId) => enrolled.get(agentId),
    audience: AUDIENCE,
    now: at(now),
    rememberJti: async (jti, expiresAt) => {
      if (seenJtis.has(jti)) return false;
      seenJtis.set(jti, expiresAt);
      return true;
    },
  });

  const tokenFor = (keys: GeneratedAgentKeys, agentId: string, extra: { ttlSeconds?: number; audience?: string; now?: number } = {}) =>
    createLeaseToken(keys.privateJwks.signingJwk, {
      agentId,
      audience: extra.audience ?? AUDIENCE,
      now: at(extra.now ?? T0),
      ...(extra.ttlSeconds === undefined ? {} : { ttlSeconds: extra.ttlSeconds }),
    });

  it('identifies the agent that signed it, and remembers its id until it can no longer be used', async () => {
    const token = await tokenFor(alpha, 'agent-alpha', { ttlSeconds: 30 });
    await expect(verifyLeaseToken(token, options())).resolves.toBe('agent-alpha');
    const [[jti, until]] = [...seenJtis.entries()] as [[string, Date]];
    expect(jti).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(until.getTime()).toBe(T0 + 30_000 + 5_000);
  });

  it('carries iss = sub = agent id, the audience, a lifetime of at most a minute and a random id', async () => {
    const token = await tokenFor(alpha, 'agent-alpha', { ttlSeconds: 60 });
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
    expect(claims).toEqual({ iss: 'agent-alpha', sub: 'agent-alpha', aud: AUDIENCE, iat: T0 / 1000, exp: T0 / 1000 + 60, jti: expect.any(String) });
    const again = JSON.parse(Buffer.from((await tokenFor(alpha, 'agent-alpha')).split('.')[1]!, 'base64url').toString('utf8'));
    expect(again.jti).not.toBe(claims.jti);
  });

  it('is refused when replayed', async () => {
    const token = await tokenFor(alpha, 'agent-alpha');
    await verifyLeaseToken(token, options());
    await expect(verifyLeaseToken(token, options(T0 + 2_000))).rejects.toMatchObject({ code: 'PROTOCOL_TOKEN_REPLAYED' });
  });

  it('is refused once expired, after a few seconds of tolerance for clock drift', async () => {
    const token = await tokenFor(alpha, 'agent-alpha', { ttlSeconds: 30 });
    await expect(verifyLeaseToken(token, options(T0 + 33_000))).resolves.toBe('agent-alpha');
    const later = await tokenFor(alpha, 'agent-alpha', { ttlSeconds: 30 });
    await expect(verifyLeaseToken(later, options(T0 + 36_000))).rejects.toMatchObject({ code: 'PROTOCOL_TOKEN_EXPIRED' });
  });

  it("is refused when forged with another agent's key", async () => {
    const forged = await tokenFor(beta, 'agent-alpha');
    await expect(verifyLeaseToken(forged, options())).rejects.toMatchObject({ code: 'PROTOCOL_TOKEN_INVALID' });
    expect(seenJtis.size).toBe(0);
  });

  it('is refused when its claims were altered', async () => {
    const token = await tokenFor(alpha, 'agent-alpha', { ttlSeconds: 10 });
    const [h, p, s] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    claims.exp += 3600;
    const altered = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
    await expect(verifyLeaseToken(altered, options())).rejects.toMatchObject({ code: 'PROTOCOL_TOKEN_INVALID' });
  });

  it('is refused for an agent that was never enrolled', async () => {
    const stranger = await generateAgentKeys();
    await expect(verifyLeaseToken(await tokenFor(stranger, 'agent-gamma'), options())).rejects.toMatchObject({ code: 'PROTOCOL_AGENT_UNKNOWN' });
  });

  it('is refused for a revoked agent, and only a token with a valid signature learns that', async () => {
    enrolled.set('agent-alpha', { signingJwk: alpha.publicKeys.signingJwk, revoked: true });
    await expect(verifyLeaseToken(await tokenFor(alpha, 'agent-alpha'), options())).rejects.toMatchObject({ code: 'PROTOCOL_AGENT_REVOKED' });
    await expect(verifyLeaseToken(await tokenFor(beta, 'agent-alpha'), options())).rejects.toMatchObject({ code: 'PROTOCOL_TOKEN_INVALID' });
  });

  it('is refused when made for another service', async () => {
    const token = await tokenFor(alpha, 'agent-alpha', { audience: 'https://evil.example.com/api/agent' });
    await expect(verifyLeaseToken(token, options())).rejects.toMatchObject({ code: 'PROTOCOL_TOKEN_INVALID' });
  });

  it('is refused when issued in the future', async () => {
    const token = await tokenFor(alpha, 'agent-alpha', { now: T0 + 60_000 });
    await expect(verifyLeaseToken(token, options(T0))).rejects.toMatchObject({ code: 'PROTOCOL_TOKEN_INVALID' });
  });

  it('is refused when it claims to live longer than a minute, however it was made', async () => {
    await expect(tokenFor(alpha, 'agent-alpha', { ttlSeconds: 61 })).rejects.toMatchObject({ code: 'PROTOCOL_INPUT_INVALID' });
    const handMade = await new SignJWT({ jti: 'aaaaaaaaaaaaaaaaaaaaaa' })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'resetdesk-lease+jwt', kid: 'agent-alpha' })
      .setIssuer('agent-alpha')
      .setSubject('agent-alpha')
      .setAudience(AUDIENCE)
      .setIssuedAt(T0 / 1000)
      .setExpirationTime(T0 / 1000 + 3600)
      .sign(await importKeyFor('signing-private', alpha.privateJwks.signingJwk));
    await expect(verifyLeaseToken(handMade, options())).rejects.toMatchObject({ code: 'PROTOCOL_TOKEN_INVALID' });
  });

  it.each([
    ['nothing', undefined],
    ['an empty string', ''],
    ['garbage', 'a.b.c'],
    ['an unsigned token', `${Buffer.from('{"alg":"none","typ":"resetdesk-lease+jwt","kid":"agent-alpha"}').toString('base64url')}.${Buffer.from('{}').toString('base64url')}.`],
  ])('is refused when it is %s', async (_label, token) => {
    await expect(verifyLeaseToken(token, options())).rejects.toMatchObject({ code: 'PROTOCOL_TOKEN_INVALID' });
  });
});

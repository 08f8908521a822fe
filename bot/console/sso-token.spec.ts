import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { isResetDeskError } from '../errors';
import { createSsoTokenVerifier, remoteTenantKeys, type SsoTokenVerifier } from './sso-token';

const TENANT = '0d3b2a48-8f5e-4c34-9d1b-4b5b0f1a9e11';
const OTHER_TENANT = '9f9f9f9f-1111-4222-8333-444455556666';
const APP = 'b1f4c5d6-7e8f-4a0b-9c1d-2e3f4a5b6c7d';
const HOST = 'resetdesk.contoso.com';
const PERSON = '11111111-2222-4333-8444-555566667777';
const TEAMS_DESKTOP = '1fec8e78-bce4-4aaf-ab1b-5451cc387264';
const V2_ISSUER = `https://login.microsoftonline.com/${TENANT}/v2.0`;
const V1_ISSUER = `https://sts.windows.net/${TENANT}/`;
const NOW = new Date('2030-01-01T12:00:00Z');
const at = (offsetSeconds: number) => Math.floor(NOW.getTime() / 1000) + offsetSeconds;

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(() => null, (e: unknown) => e);
  return isResetDeskError(err) ? err.code : String(err);
}

describe('the console sign-in token', () => {
  let trusted: CryptoKey;
  let untrusted: CryptoKey;
  let verifier: SsoTokenVerifier;

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    trusted = pair.privateKey;
    untrusted = (await generateKeyPair('RS256')).privateKey;
    const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256' };
    verifier = createSsoTokenVerifier({ tenantId: TENANT, appId: APP, publicHost: HOST, issuers: [V2_ISSUER, V1_ISSUER], keys: createLocalJWKSet({ keys: [jwk] }), now: () => NOW });
  });

  async function token(claims: Record<string, unknown> = {}, opts: { key?: CryptoKey; alg?: string } = {}): Promise<string> {
    const base: Record<string, unknown> = {
      aud: APP, iss: V2_ISSUER, tid: TENANT, oid: PERSON, name: 'Helen Holm', azp: TEAMS_DESKTOP, scp: 'access_as_user', ver: '2.0',
      iat: at(-60), nbf: at(-60), exp: at(3600),
    };
    for (const [k, v] of Object.entries(claims)) {
      if (v === undefined) delete base[k];
      else base[k] = v;
    }
    return `Bearer ${await new SignJWT(base).setProtectedHeader({ alg: opts.alg ?? 'RS256', kid: 'k1' }).sign(opts.key ?? trusted)}`;
  }

  it('takes the person from oid in a Teams SSO token (v2.0: the app id as audience)', async () => {
    await expect(verifier.verify(await token())).resolves.toEqual({ aadObjectId: PERSON, tenantId: TENANT, displayName: 'Helen Holm' });
  });

  it('accepts the v1 form too: the Application ID URI as audience, sts.windows.net as issuer, appid as client', async () => {
    const v1 = await token({ aud: `api://${HOST}/${APP}`, iss: V1_ISSUER, azp: undefined, appid: TEAMS_DESKTOP, ver: '1.0' });
    await expect(verifier.verify(v1)).resolves.toMatchObject({ aadObjectId: PERSON });
    await expect(verifier.verify(await token({ aud: `api://${HOST}/botid-${APP}` }))).resolves.toMatchObject({ aadObjectId: PERSON });
  });

  it('refuses a call without a bearer token', async () => {
    expect(await codeOf(verifier.verify(undefined))).toBe('CONSOLE_TOKEN_MISSING');
    expect(await codeOf(verifier.verify('Basic dXNlcjpwYXNz'))).toBe('CONSOLE_TOKEN_MISSING');
    expect(await codeOf(verifier.verify('Bearer not-a-jwt'))).toBe('CONSOLE_TOKEN_MISSING');
  });

  it('refuses a token for another audience: another app, or our app id on another host', async () => {
    expect(await codeOf(verifier.verify(await token({ aud: 'api://other.example/' + APP })))).toBe('CONSOLE_TOKEN_WRONG_AUDIENCE');
    expect(await codeOf(verifier.verify(await token({ aud: 'https://graph.microsoft.com' })))).toBe('CONSOLE_TOKEN_WRONG_AUDIENCE');
  });

  it('refuses a token from another tenant, whether its issuer or only its tid says so', async () => {
    expect(await codeOf(verifier.verify(await token({ iss: `https://login.microsoftonline.com/${OTHER_TENANT}/v2.0`, tid: OTHER_TENANT })))).toBe('CONSOLE_TOKEN_WRONG_ISSUER');
    expect(await codeOf(verifier.verify(await token({ tid: OTHER_TENANT })))).toBe('CONSOLE_TOKEN_WRONG_TENANT');
  });

  it('refuses an expired token, and one not valid yet, beyond two minutes of clock skew (and accepts within it)', async () => {
    expect(await codeOf(verifier.verify(await token({ iat: at(-7200), nbf: at(-7200), exp: at(-121) })))).toBe('CONSOLE_TOKEN_EXPIRED');
    expect(await codeOf(verifier.verify(await token({ nbf: at(121), iat: at(121) })))).toBe('CONSOLE_TOKEN_INVALID');
    await expect(verifier.verify(await token({ exp: at(-100) }))).resolves.toMatchObject({ aadObjectId: PERSON });
  });

  it('refuses a token signed by anyone but the tenant, or with a weaker algorithm', async () => {
    expect(await codeOf(verifier.verify(await token({}, { key: untrusted })))).toBe('CONSOLE_TOKEN_INVALID');
    const hs = `Bearer ${await new SignJWT({ aud: APP, iss: V2_ISSUER, tid: TENANT, oid: PERSON, azp: TEAMS_DESKTOP, scp: 'access_as_user', iat: at(0), nbf: at(0), exp: at(600) }).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).sign(new TextEncoder().encode('x'.repeat(32)))}`;
    expect(await codeOf(verifier.verify(hs))).toBe('CONSOLE_TOKEN_INVALID');
    const unsigned = (await token()).replace(/\.[^.]+$/, '.');
    expect(await codeOf(verifier.verify(unsigned))).toBe('CONSOLE_TOKEN_MISSING');
  });

  it('refuses a token that a client other than Teams asked for, or without the console scope', async () => {
    expect(await codeOf(verifier.verify(await token({ azp: '04b07795-8ddb-461a-bbee-02f9e1bf7b46' })))).toBe('CONSOLE_TOKEN_WRONG_CLIENT');
    expect(await codeOf(verifier.verify(await token({ scp: 'User.Read' })))).toBe('CONSOLE_TOKEN_WRONG_SCOPE');
    expect(await codeOf(verifier.verify(await token({ scp: undefined, roles: ['access_as_user'] })))).toBe('CONSOLE_TOKEN_WRONG_SCOPE');
  });

  it('refuses a token that names no person', async () => {
    expect(await codeOf(verifier.verify(await token({ oid: undefined })))).toBe('CONSOLE_TOKEN_INVALID');
    expect(await codeOf(verifier.verify(await token({ oid: 'not an object id' })))).toBe('CONSOLE_TOKEN_INVALID');
  });

  it('says the keys are unavailable (not that the token is bad) when the keys URL fails', async () => {
    const server = createServer((_req, res) => {
      // Not res.writeHead(503).end(): restify, loaded by other suites in this worker, patches writeHead to return nothing.
      res.statusCode = 503;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const remote = remoteTenantKeys({ jwksUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/keys` }, { timeoutMs: 2000 });
    try {
      const broken = createSsoTokenVerifier({ tenantId: TENANT, appId: APP, publicHost: HOST, issuers: [V2_ISSUER], keys: remote.keys, now: () => NOW });
      expect(await codeOf(broken.verify(await token()))).toBe('CONSOLE_KEYS_UNAVAILABLE');
    } finally {
      remote.close();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

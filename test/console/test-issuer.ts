// A local stand-in for the Entra ID token issuer of the console's Teams SSO:
// an RSA key pair whose public half it publishes as a JWKS (the keys URL the
// service is configured with, RESETDESK_CONSOLE_JWKS_URL), and tokens shaped
// like the ones Teams hands a tab (v2.0: aud is the app id, azp a Teams
// client, scp access_as_user, oid the person). Tests spoil one claim at a
// time; `untrustedKey` signs with a key the service has never seen.
//
//   const issuer = await startTestIssuer({ appId, publicHost });
//   ...start the service with issuer.consoleEnv(), then, knowing its tenant and Entra host:
//   issuer.setTenant(tenantId, authorityHost);
//   const token = await issuer.mint({ oid: person.id });
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

export const TEAMS_WEB_CLIENT_ID = '5e3ce6c0-2b1f-4285-8d4b-75ee78787346';

export interface TestIssuerOptions {
  appId: string;
  publicHost: string;
  /** Known now, or given later with setTenant (a service's fake Graph picks its own). */
  tenantId?: string;
  /** Entra's sign-in host as the service knows it (GRAPH_AUTHORITY_HOST): the v2.0 issuer is `<host>/<tenant>/v2.0`. */
  authorityHost?: string;
  /** Fixed port (the local trial); 0 picks a free one. */
  port?: number;
}

export interface TokenOptions {
  oid: string;
  name?: string;
  /** Replaces or removes (undefined) claims of the well-formed token. */
  claims?: Record<string, unknown>;
  /** Seconds from now; negative for a token that already expired. */
  expiresIn?: number;
  /** Sign with a key the service does not trust (a forged token). */
  untrustedKey?: boolean;
}

export interface TestIssuer {
  /** RESETDESK_CONSOLE_JWKS_URL for the service. */
  jwksUrl: string;
  /** The tenant whose tokens it issues, and the service's Entra host (its v2.0 issuer is `<host>/<tenant>/v2.0`). */
  setTenant(tenantId: string, authorityHost: string): void;
  mint(options: TokenOptions): Promise<string>;
  /** The environment the service needs to trust this issuer for its console. */
  consoleEnv(extra?: Record<string, string>): Record<string, string>;
  close(): Promise<void>;
}

export async function startTestIssuer(o: TestIssuerOptions): Promise<TestIssuer> {
  const kid = `test-${randomUUID().slice(0, 8)}`;
  const trusted = await generateKeyPair('RS256', { extractable: true });
  const untrusted = await generateKeyPair('RS256', { extractable: true });
  const publicJwk: JWK = { ...(await exportJWK(trusted.publicKey)), kid, use: 'sig', alg: 'RS256' };
  const jwksPath = '/discovery/v2.0/keys';
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === jwksPath) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [publicJwk] }));
      return;
    }
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const jwksUrl = `http://127.0.0.1:${port}${jwksPath}`;
  let tenantId = o.tenantId;
  let issuer = o.tenantId && o.authorityHost ? `${o.authorityHost.replace(/\/+$/, '')}/${o.tenantId}/v2.0` : undefined;

  return {
    jwksUrl,
    setTenant(tenant, authorityHost) {
      tenantId = tenant;
      issuer = `${authorityHost.replace(/\/+$/, '')}/${tenant}/v2.0`;
    },
    async mint(t) {
      if (!tenantId || !issuer) throw new Error('the test issuer does not know its tenant yet: call setTenant');
      const now = Math.floor(Date.now() / 1000);
      const exp = now + (t.expiresIn ?? 3600);
      const claims: Record<string, unknown> = {
        aud: o.appId,
        iss: issuer,
        iat: Math.min(now, exp - 60),
        nbf: Math.min(now, exp - 60),
        exp,
        tid: tenantId,
        oid: t.oid,
        sub: `sub-${t.oid}`,
        name: t.name ?? 'Test Person',
        preferred_username: `${t.oid.slice(0, 8)}@contoso.test`,
        azp: TEAMS_WEB_CLIENT_ID,
        azpacr: '0',
        scp: 'access_as_user',
        ver: '2.0',
        uti: randomUUID(),
      };
      for (const [k, v] of Object.entries(t.claims ?? {})) {
        if (v === undefined) delete claims[k];
        else claims[k] = v;
      }
      const key: CryptoKey = t.untrustedKey ? untrusted.privateKey : trusted.privateKey;
      return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid }).sign(key);
    },
    consoleEnv(extra = {}) {
      return { RESETDESK_PUBLIC_HOST: o.publicHost, RESETDESK_CONSOLE_APP_ID: o.appId, RESETDESK_CONSOLE_JWKS_URL: jwksUrl, ...extra };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

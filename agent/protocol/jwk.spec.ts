import { calculateJwkThumbprint } from 'jose';
import { generateAgentKeys } from './agent-keys';
import { jwkThumbprint, type EncryptionPublicJwk, type SigningPublicJwk } from './jwk';

describe('a JWK thumbprint', () => {
  it('is the RFC 7638 SHA-256 thumbprint, the same when asked again (it is kept) and for the key with other members', async () => {
    const { signingJwk } = (await generateAgentKeys()).publicKeys;
    const expected = await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: signingJwk.x }, 'sha256');
    expect(await jwkThumbprint(signingJwk)).toBe(expected);
    expect(await jwkThumbprint(signingJwk)).toBe(expected);
    expect(await jwkThumbprint({ ...signingJwk, kid: 'renamed', use: 'sig' })).toBe(expected);
  });

  it('tells apart two keys, and the same value on another curve', async () => {
    const a = (await generateAgentKeys()).publicKeys.signingJwk;
    const b = (await generateAgentKeys()).publicKeys.signingJwk;
    expect(await jwkThumbprint(a)).not.toBe(await jwkThumbprint(b));
    const sameValueOtherCurve: EncryptionPublicJwk = { kty: 'OKP', crv: 'X25519', x: a.x };
    const onX25519 = await calculateJwkThumbprint({ kty: 'OKP', crv: 'X25519', x: a.x }, 'sha256');
    expect(await jwkThumbprint(sameValueOtherCurve)).toBe(onX25519);
    expect(onX25519).not.toBe(await jwkThumbprint(a as SigningPublicJwk));
  });
});

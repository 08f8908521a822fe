import { generateAgentKeys, isProtocolError, openSealedPassword, type GeneratedAgentKeys, type SealedPassword } from '../../../agent/protocol';
import { sealPasswordForAgents } from './seal-password';

const CANARY = 'Canary-Pässwörd-7f3a9c!';

describe('a new password sealed to the enrolled agents', () => {
  let agents: { agentId: string; keys: GeneratedAgentKeys }[];
  let outsider: GeneratedAgentKeys;
  let sealed: SealedPassword;

  beforeAll(async () => {
    agents = await Promise.all(['agent-a', 'agent-b', 'agent-c'].map(async (agentId) => ({ agentId, keys: await generateAgentKeys() })));
    outsider = await generateAgentKeys();
    sealed = await sealPasswordForAgents(
      CANARY,
      agents.map((a) => ({ agentId: a.agentId, encryptionJwk: a.keys.publicKeys.encryptionJwk })),
    );
  });

  it('is a general JWE with one recipient per agent, named by agent id', () => {
    expect(sealed.recipients.map((r) => r.header.kid)).toEqual(['agent-a', 'agent-b', 'agent-c']);
    expect(sealed.recipients.every((r) => r.header.alg === 'ECDH-ES+A256KW')).toBe(true);
    expect(JSON.parse(Buffer.from(sealed.protected, 'base64url').toString('utf8'))).toEqual({ enc: 'A256GCM', cty: 'resetdesk-secret' });
  });

  it('does not contain the password in any readable form', () => {
    const text = JSON.stringify(sealed);
    expect(text).not.toContain(CANARY);
    expect(text).not.toContain(Buffer.from(CANARY).toString('base64url'));
    expect(text).not.toContain(Buffer.from(CANARY).toString('base64'));
    expect(text).not.toContain(Buffer.from(CANARY).toString('hex'));
  });

  it.each([0, 1, 2])('opens with the key of enrolled agent %i', async (i) => {
    const agent = agents[i]!;
    await expect(openSealedPassword(sealed, agent.keys.privateJwks.encryptionJwk, agent.agentId)).resolves.toBe(CANARY);
  });

  it('does not open for an agent that was not enrolled when it was sealed', async () => {
    const err = await openSealedPassword(sealed, outsider.privateJwks.encryptionJwk, 'agent-d').catch((e: unknown) => e);
    expect(isProtocolError(err, 'PROTOCOL_SEALED_NOT_FOR_AGENT')).toBe(true);
  });

  it("does not open with an outsider's key even under an enrolled agent's id", async () => {
    const err = await openSealedPassword(sealed, outsider.privateJwks.encryptionJwk, 'agent-b').catch((e: unknown) => e);
    expect(isProtocolError(err, 'PROTOCOL_SEALED_INVALID')).toBe(true);
  });

  it("does not open with another enrolled agent's key", async () => {
    const err = await openSealedPassword(sealed, agents[0]!.keys.privateJwks.encryptionJwk, 'agent-b').catch((e: unknown) => e);
    expect(isProtocolError(err, 'PROTOCOL_SEALED_INVALID')).toBe(true);
  });

  it('does not open once its ciphertext, tag or recipient list has been tampered with', async () => {
    const flip = (s: string) => (s[0] === 'A' ? `B${s.slice(1)}` : `A${s.slice(1)}`);
    const key = agents[1]!.keys.privateJwks.encryptionJwk;
    const variants: unknown[] = [
      { ...sealed, ciphertext: flip(sealed.ciphertext) },
      { ...sealed, tag: flip(sealed.tag) },
      { ...sealed, iv: flip(sealed.iv) },
      { ...sealed, protected: Buffer.from(JSON.stringify({ enc: 'A128GCM' })).toString('base64url') },
      { ...sealed, recipients: sealed.recipients.map((r) => ({ ...r, encrypted_key: flip(r.encrypted_key) })) },
      { ...sealed, aad: 'eA' },
      { ...sealed, recipients: [...sealed.recipients, sealed.recipients[1]] },
    ];
    for (const variant of variants) {
      const err = await openSealedPassword(variant, key, 'agent-b').catch((e: unknown) => e);
      expect(isProtocolError(err, 'PROTOCOL_SEALED_INVALID')).toBe(true);
    }
  });

  it('is different every time the same password is sealed', async () => {
    const again = await sealPasswordForAgents(CANARY, [{ agentId: 'agent-a', encryptionJwk: agents[0]!.keys.publicKeys.encryptionJwk }]);
    expect(again.ciphertext).not.toBe(sealed.ciphertext);
  });

  it('keeps every character of a non-ASCII password', async () => {
    const password = 'Ünïcødé пароль 密码 🔑';
    const one = await sealPasswordForAgents(password, [{ agentId: 'agent-a', encryptionJwk: agents[0]!.keys.publicKeys.encryptionJwk }]);
    await expect(openSealedPassword(one, agents[0]!.keys.privateJwks.encryptionJwk, 'agent-a')).resolves.toBe(password);
  });

  it('is refused for bad input, and no refusal mentions the password', async () => {
    const good = { agentId: 'agent-a', encryptionJwk: agents[0]!.keys.publicKeys.encryptionJwk };
    const attempts: [string, () => Promise<unknown>][] = [
      ['no agents', () => sealPasswordForAgents(CANARY, [])],
      ['an empty password', () => sealPasswordForAgents('', [good])],
      ['a password longer than AD allows', () => sealPasswordForAgents(CANARY.repeat(20), [good])],
      ['the same agent twice', () => sealPasswordForAgents(CANARY, [good, good])],
      ['a signing key in place of an encryption key', () => sealPasswordForAgents(CANARY, [{ agentId: 'agent-a', encryptionJwk: agents[0]!.keys.publicKeys.signingJwk }])],
      ['a private key in place of a public key', () => sealPasswordForAgents(CANARY, [{ agentId: 'agent-a', encryptionJwk: agents[0]!.keys.privateJwks.encryptionJwk }])],
      ['an agent id with unsafe characters', () => sealPasswordForAgents(CANARY, [{ agentId: 'agent a/../b', encryptionJwk: good.encryptionJwk }])],
    ];
    for (const [label, attempt] of attempts) {
      const err = await attempt().catch((e: unknown) => e);
      expect({ label, isProtocolError: isProtocolError(err) }).toEqual({ label, isProtocolError: true });
      const shown = JSON.stringify({ message: (err as Error).message, details: (err as { details?: unknown }).details, stack: (err as Error).stack });
      expect(shown).not.toContain(CANARY);
      expect(shown).not.toContain(agents[0]!.keys.privateJwks.encryptionJwk.d);
    }
  });
});

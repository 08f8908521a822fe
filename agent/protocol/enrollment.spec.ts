import { acceptEnrollmentResponse, EnrollmentRequestSchema, normalizeEnrollmentCode } from './enrollment';
import { generateAgentKeys } from './agent-keys';
import { jwkThumbprint } from './jwk';
import { isProtocolError } from './errors';

describe('enrollment codes as an admin types them', () => {
  it.each([
    ['as issued', 'ABCD-EFGH-JKMN-PQRS', 'ABCD-EFGH-JKMN-PQRS'],
    ['in lower case', 'abcd-efgh-jkmn-pqrs', 'ABCD-EFGH-JKMN-PQRS'],
    ['with spaces instead of dashes', 'abcd efgh jkmn pqrs', 'ABCD-EFGH-JKMN-PQRS'],
    ['without separators', 'ABCDEFGHJKMNPQRS', 'ABCD-EFGH-JKMN-PQRS'],
    ['with O for zero and I or L for one', 'OOOO-IIII-LLLL-0000', '0000-1111-1111-0000'],
  ])('are accepted %s', (_label, typed, canonical) => {
    expect(normalizeEnrollmentCode(typed)).toBe(canonical);
  });

  it.each([
    ['too short', 'ABCD-EFGH-JKMN-PQR'],
    ['too long', 'ABCD-EFGH-JKMN-PQRST'],
    ['with a U, which the alphabet leaves out', 'UBCD-EFGH-JKMN-PQRS'],
    ['with punctuation', 'ABCD-EFGH-JKMN-PQR!'],
    ['empty', ''],
  ])('are refused %s', (_label, typed) => {
    expect(normalizeEnrollmentCode(typed)).toBeUndefined();
  });
});

describe('the enrollment request an agent sends', () => {
  it('carries a normalised code, a name, both public keys and the OUs the agent serves', async () => {
    const keys = await generateAgentKeys();
    const parsed = EnrollmentRequestSchema.parse({
      code: 'abcd efgh jkmn pqrs',
      name: 'dc-writeback-01',
      signingJwk: keys.publicKeys.signingJwk,
      encryptionJwk: keys.publicKeys.encryptionJwk,
      ous: ['OU=Staff,DC=corp,DC=example'],
    });
    expect(parsed.code).toBe('ABCD-EFGH-JKMN-PQRS');
  });

  it('is refused when it would send a private key', async () => {
    const keys = await generateAgentKeys();
    const result = EnrollmentRequestSchema.safeParse({
      code: 'ABCD-EFGH-JKMN-PQRS',
      name: 'dc-writeback-01',
      signingJwk: keys.privateJwks.signingJwk,
      encryptionJwk: keys.publicKeys.encryptionJwk,
      ous: ['OU=Staff,DC=corp,DC=example'],
    });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).not.toContain(keys.privateJwks.signingJwk.d);
  });

  it.each([
    ['keys swapped between roles', (k: Awaited<ReturnType<typeof generateAgentKeys>>) => ({ signingJwk: k.publicKeys.encryptionJwk, encryptionJwk: k.publicKeys.signingJwk })],
    ['no OUs', () => ({ ous: [] })],
    ['an OU that is not a DN', () => ({ ous: ['Staff'] })],
    ['an unknown field', () => ({ role: 'admin' })],
    ['a mistyped code', () => ({ code: 'ABCD-EFGH' })],
  ])('is refused with %s', async (_label, change) => {
    const keys = await generateAgentKeys();
    const request = {
      code: 'ABCD-EFGH-JKMN-PQRS',
      name: 'dc-writeback-01',
      signingJwk: keys.publicKeys.signingJwk,
      encryptionJwk: keys.publicKeys.encryptionJwk,
      ous: ['OU=Staff,DC=corp,DC=example'],
      ...change(keys),
    };
    expect(EnrollmentRequestSchema.safeParse(request).success).toBe(false);
  });

  it('never repeats a mistyped code in its error', () => {
    const result = EnrollmentRequestSchema.safeParse({ code: 'ZZZZ-YYYY-XXX', name: 'a', signingJwk: {}, encryptionJwk: {}, ous: [] });
    expect(JSON.stringify(result.error?.issues)).not.toContain('ZZZZ');
  });
});

describe("the service's enrollment answer", () => {
  it("is accepted when the key id is the thumbprint of the service key, which the agent then pins", async () => {
    const service = await generateAgentKeys();
    const body = {
      agentId: 'agent-7',
      serviceSigningJwk: service.publicKeys.signingJwk,
      serviceKeyId: await jwkThumbprint(service.publicKeys.signingJwk),
      audience: 'https://resetdesk.example.com/api/agent',
    };
    await expect(acceptEnrollmentResponse(body)).resolves.toEqual(body);
  });

  it('is refused when the key id names a different key', async () => {
    const service = await generateAgentKeys();
    const other = await generateAgentKeys();
    const err = await acceptEnrollmentResponse({
      agentId: 'agent-7',
      serviceSigningJwk: service.publicKeys.signingJwk,
      serviceKeyId: await jwkThumbprint(other.publicKeys.signingJwk),
      audience: 'https://resetdesk.example.com/api/agent',
    }).catch((e: unknown) => e);
    expect(isProtocolError(err, 'PROTOCOL_ENROLLMENT_INVALID')).toBe(true);
  });

  it('is refused when it is not the expected shape', async () => {
    await expect(acceptEnrollmentResponse({ agentId: 'agent-7' })).rejects.toMatchObject({ code: 'PROTOCOL_ENROLLMENT_INVALID' });
  });
});

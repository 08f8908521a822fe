import { ResetDeskError } from '../errors';
import { assertNoSecrets, auditEntryDraftSchema } from './audit';

describe('audit details', () => {
  const canary = 'Canary-Pa55word!';

  test('details without secrets pass the guard', () => {
    expect(() => assertNoSecrets({ method: 'sms', triesLeft: 3, complete: false }, [canary, '493817'])).not.toThrow();
  });

  test('a secret in a value is refused, and the error names the field but not the secret', () => {
    let err: unknown;
    try {
      assertNoSecrets({ method: 'email', note: `typed ${canary} by mistake` }, [canary]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ResetDeskError);
    expect((err as ResetDeskError).code).toBe('AUDIT_SECRET_IN_DETAILS');
    expect((err as ResetDeskError).details).toEqual({ field: 'note' });
    expect(JSON.stringify(err) + (err as Error).message).not.toContain(canary);
  });

  test('a secret used as a key is refused too', () => {
    expect(() => assertNoSecrets({ [canary]: true }, [canary])).toThrow(ResetDeskError);
  });

  test('a one-time code hidden in a number is found', () => {
    expect(() => assertNoSecrets({ attempt: 493817 }, ['493817'])).toThrow(ResetDeskError);
  });

  test('an empty secret is ignored rather than matching everything', () => {
    expect(() => assertNoSecrets({ method: 'sms' }, [''])).not.toThrow();
  });

  test('an entry with nested objects in its details is not a valid audit entry', () => {
    const entry = { action: 'request.created', actor: { type: 'user', id: 'aad-1' }, requestId: 'req-1', details: { card: { value: 'x' } } };
    expect(auditEntryDraftSchema.safeParse(entry).success).toBe(false);
    expect(auditEntryDraftSchema.safeParse({ ...entry, details: { kind: 'reset' } }).success).toBe(true);
  });
});

import { isResetDeskError, ResetDeskError } from '../bot/errors';
import { CardVerb, cardActionDataSchemas, parseCardAction } from './actions';

const ids = { requestId: '5f0c6a52-8d8e-4b55-9a43-3f6c9e2b7a10', stepToken: 'stp_Xq3v9LmR2kP8wT4yZ1aB6cD0eF' };
const CANARY = 'Canary-Pw-9f31!';

function refusal(action: unknown): ResetDeskError {
  try {
    parseCardAction(action);
  } catch (err) {
    if (err instanceof ResetDeskError) return err;
    throw err;
  }
  throw new Error('the action was accepted');
}

describe('card action submissions', () => {
  it('accepts a code submission and hands back typed data', () => {
    const action = parseCardAction({ type: 'Action.Execute', verb: 'verify.submitCode', data: { ...ids, code: '123456' } });
    expect(action).toEqual({ verb: CardVerb.submitCode, data: { ...ids, code: '123456' } });
  });

  it('accepts a code pasted with spaces or a dash', () => {
    expect(parseCardAction({ verb: 'verify.submitCode', data: { ...ids, code: ' 123 456 ' } }).data).toMatchObject({ code: '123456' });
    expect(parseCardAction({ verb: 'verify.submitCode', data: { ...ids, code: '1234-5678' } }).data).toMatchObject({ code: '12345678' });
  });

  it.each([
    ['letters in the code', { code: '12a456' }],
    ['a code that is too short', { code: '12345' }],
    ['a code that is too long', { code: '123456789' }],
    ['no code at all', {}],
  ])('refuses %s', (_what, extra) => {
    const err = refusal({ verb: 'verify.submitCode', data: { ...ids, ...extra } });
    expect(err.code).toBe('CARD_ACTION_INVALID');
    expect(err.details.fields).toBe('code');
  });

  it('refuses a submission without a step token', () => {
    const err = refusal({ verb: 'menu.reset', data: { requestId: ids.requestId } });
    expect(err.code).toBe('CARD_ACTION_INVALID');
    expect(err.details.fields).toBe('stepToken');
  });

  it.each([
    ['a request id that is not a uuid', { ...ids, requestId: 'req-1' }, 'requestId'],
    ['a step token that is too short', { ...ids, stepToken: 'abc' }, 'stepToken'],
    ['a step token that is far too long', { ...ids, stepToken: 'a'.repeat(513) }, 'stepToken'],
    ['a step token with characters no token has', { ...ids, stepToken: 'stp_<script>alert(1)</script>' }, 'stepToken'],
    ['a step token that is not a string', { ...ids, stepToken: 12345678901234567 }, 'stepToken'],
  ])('refuses %s', (_what, data, field) => {
    expect(refusal({ verb: 'menu.status', data }).details.fields).toBe(field);
  });

  it('accepts matching new passwords exactly as typed, spaces included', () => {
    const typed = '  correct horse battery staple  ';
    const action = parseCardAction({ verb: 'password.submit', data: { ...ids, newPassword: typed, confirmPassword: typed } });
    expect(action.data).toEqual({ ...ids, newPassword: typed, confirmPassword: typed });
  });

  it('refuses an oversize password without repeating it in the error', () => {
    const huge = CANARY + 'x'.repeat(300);
    const err = refusal({ verb: 'password.submit', data: { ...ids, newPassword: huge, confirmPassword: huge } });
    expect(err.code).toBe('CARD_ACTION_INVALID');
    expect(err.details.fields).toBe('confirmPassword,newPassword');
    expect(JSON.stringify({ message: err.message, details: err.details, stack: err.stack })).not.toContain(CANARY);
  });

  it('refuses a password change without the current password', () => {
    const err = refusal({ verb: 'password.submitChange', data: { ...ids, newPassword: CANARY, confirmPassword: CANARY } });
    expect(err.details.fields).toBe('currentPassword');
  });

  it('refuses an empty password', () => {
    expect(refusal({ verb: 'password.submit', data: { ...ids, newPassword: '', confirmPassword: '' } }).details.fields).toBe('confirmPassword,newPassword');
  });

  it('drops fields a verb does not read, so a stray password never travels further', () => {
    const action = parseCardAction({ verb: 'request.cancel', data: { ...ids, newPassword: CANARY, code: '123456' } });
    expect(action.data).toEqual(ids);
  });

  it('refuses a button it does not know, without echoing the verb', () => {
    const err = refusal({ verb: 'admin.' + CANARY, data: ids });
    expect(isResetDeskError(err, 'CARD_ACTION_UNKNOWN')).toBe(true);
    expect(JSON.stringify({ message: err.message, details: err.details })).not.toContain(CANARY);
  });

  it.each([null, 'menu.reset', { verb: 42 }, { type: 'Action.Submit', verb: 'menu.reset', data: ids }])('refuses a malformed action %#', (action) => {
    expect(refusal(action).code).toBe('CARD_ACTION_UNKNOWN');
  });

  it('reads a helpdesk search and a chosen person, and trims a ticket', () => {
    expect(parseCardAction({ verb: 'helpdesk.find', data: { ...ids, query: '  Jo Doe ' } }).data).toEqual({ ...ids, query: 'Jo Doe' });
    const person = '3f2b1c0d-4e5f-4a6b-8c7d-9e0f1a2b3c4e';
    expect(parseCardAction({ verb: 'helpdesk.reset', data: { ...ids, personId: person, ticket: ' INC-1 ' } }).data).toEqual({ ...ids, personId: person, ticket: 'INC-1' });
  });

  it.each([
    ['a search of one letter', 'helpdesk.find', { query: 'J' }, 'query'],
    ['a person id that is not one', 'helpdesk.pick', { personId: '../../me' }, 'personId'],
    ['an unlock without a ticket', 'helpdesk.unlock', { personId: '3f2b1c0d-4e5f-4a6b-8c7d-9e0f1a2b3c4e', ticket: '  ' }, 'ticket'],
    ['a deny without a reason', 'approval.deny', { reason: '' }, 'reason'],
  ])('refuses %s', (_what, verb, extra, field) => {
    expect(refusal({ verb, data: { ...ids, ...extra } }).details.fields).toBe(field);
  });

  it('refuses a method choice that is not a method id', () => {
    expect(refusal({ verb: 'verify.chooseMethod', data: { ...ids, method: '../../etc' } }).details.fields).toBe('method');
  });

  it('has a schema for every verb', () => {
    expect(Object.keys(cardActionDataSchemas).sort()).toEqual(Object.values(CardVerb).sort());
  });
});

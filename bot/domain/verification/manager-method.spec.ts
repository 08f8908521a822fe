import { ALICE, asyncRefusalOf, at, HELPDESK_HANK, MANAGER_MIKE, sampleRequest, T0 } from '../request-fixtures';
import { createManagerMethod } from './manager-method';
import type { ManagerNotifier, VerificationContext } from './verification-method';

function notifier(): ManagerNotifier & { notices: Parameters<ManagerNotifier['notifyManager']>[0][] } {
  const notices: Parameters<ManagerNotifier['notifyManager']>[0][] = [];
  return { notices, notifyManager: async (n) => void notices.push(n) };
}
const ctx = (now: Date = T0, overrides: Partial<VerificationContext> = {}): VerificationContext => ({ request: sampleRequest(), user: { managerAadId: MANAGER_MIKE }, now, ...overrides });

describe('manager confirmation', () => {
  test('the manager is asked, and the request passes when they confirm', async () => {
    const n = notifier();
    const method = createManagerMethod({ notifier: n });
    const { challenge, audit } = await method.start(ctx());
    expect(n.notices).toEqual([expect.objectContaining({ managerAadId: MANAGER_MIKE, requestId: 'req-1', challengeId: challenge.id, subjectDisplayName: 'Alice Jones', helpdeskAssisted: false, expiresAt: at(30) })]);
    expect(audit.action).toBe('verification.manager_asked');
    const result = await method.check(challenge, { method: 'manager', responderAadId: MANAGER_MIKE, decision: 'confirm' }, ctx(at(5)));
    expect(result.outcome).toBe('passed');
    expect(result.audit).toMatchObject({ action: 'verification.manager_confirmed', actor: { type: 'user', id: MANAGER_MIKE } });
  });

  test('when the manager refuses, verification fails and the request is to be closed', async () => {
    const method = createManagerMethod({ notifier: notifier() });
    const { challenge } = await method.start(ctx());
    const result = await method.check(challenge, { method: 'manager', responderAadId: MANAGER_MIKE, decision: 'refuse' }, ctx(at(5)));
    expect(result.outcome).toBe('failed');
    if (result.outcome === 'passed') throw new Error('unreachable');
    expect(result.error.code).toBe('VERIFY_MANAGER_REFUSED');
  });

  test('only the manager who was asked can answer', async () => {
    const method = createManagerMethod({ notifier: notifier() });
    const { challenge } = await method.start(ctx());
    const err = await asyncRefusalOf(method.check(challenge, { method: 'manager', responderAadId: ALICE, decision: 'confirm' }, ctx(at(5))));
    expect(err.code).toBe('VERIFY_NOT_MANAGER');
    expect(challenge.status).toBe('pending');
  });

  test('a user who is their own manager in the directory cannot use this method', async () => {
    const n = notifier();
    const err = await asyncRefusalOf(createManagerMethod({ notifier: n }).start(ctx(T0, { user: { managerAadId: ALICE } })));
    expect(err.code).toBe('VERIFY_METHOD_UNAVAILABLE');
    expect(n.notices).toHaveLength(0);
  });

  test('the manager cannot be the helpdesk member making the request', async () => {
    const err = await asyncRefusalOf(createManagerMethod({ notifier: notifier() }).start(ctx(T0, { request: sampleRequest({ requestedBy: HELPDESK_HANK }), user: { managerAadId: HELPDESK_HANK } })));
    expect(err.code).toBe('VERIFY_METHOD_UNAVAILABLE');
  });

  test('an answer after 30 minutes is too late', async () => {
    const method = createManagerMethod({ notifier: notifier() });
    const { challenge } = await method.start(ctx());
    expect((await method.check(challenge, { method: 'manager', responderAadId: MANAGER_MIKE, decision: 'confirm' }, ctx(at(30)))).outcome).toBe('expired');
  });

  test('is offered only to users with a manager', () => {
    const method = createManagerMethod({ notifier: notifier() });
    expect(method.isAvailable({})).toBe(false);
    expect(method.isAvailable({ managerAadId: MANAGER_MIKE })).toBe(true);
  });
});

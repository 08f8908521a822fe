import { buildApprovalRequestCard, buildApprovalResolvedCard } from './approval-card';
import { ACTION, ASKED_AT } from './testing/card-samples';
import { buttons, visibleText } from './testing/card-text';

const facts = {
  requester: { displayName: 'Jo Doe', account: 'jo.doe@contoso.com' },
  account: { displayName: 'Jo Doe (admin)', account: 'adm-jdoe@contoso.com' },
  operation: 'reset' as const,
  privilegedBecause: ['Member of Domain Admins'],
  checksPassed: [
    { kind: 'sms' as const, phoneNumber: '+1 4255550142' },
    { kind: 'manager' as const, managerName: 'Dana Smith' },
  ],
  askedAt: ASKED_AT,
};

describe('the approver card', () => {
  it('shows who asked, for which account, why it is privileged and the checks passed, with Approve and Deny', () => {
    const card = buildApprovalRequestCard({ ...ACTION, ...facts });
    const text = visibleText(card);
    for (const part of ['Jo Doe', 'adm-jdoe@contoso.com', 'Member of Domain Admins', 'Code by text message to +1 ••• ••• ••42', 'Manager Dana Smith confirmed']) {
      expect(text).toContain(part);
    }
    expect(buttons(card).map((b) => [b.title, b.verb])).toEqual([
      ['Approve', 'approval.approve'],
      ['Deny', 'approval.deny'],
    ]);
  });

  it('once approved, says by whom and when, and has no buttons left', () => {
    const card = buildApprovalResolvedCard({ ...facts, decision: { outcome: 'approved', by: 'Sam Lee', at: new Date('2026-03-02T08:05:00Z') } });
    expect(visibleText(card)).toContain('Approved by Sam Lee');
    expect(visibleText(card)).toContain('{{TIME(2026-03-02T08:05:00Z)}}');
    expect(card).not.toHaveProperty('actions');
  });

  it('once denied, says by whom', () => {
    const card = buildApprovalResolvedCard({ ...facts, decision: { outcome: 'denied', by: 'Sam Lee', at: ASKED_AT } });
    expect(visibleText(card)).toContain('Denied by Sam Lee');
    expect(buttons(card)).toEqual([]);
  });

  it('refuses a request card with no reason for approval', () => {
    expect(() => buildApprovalRequestCard({ ...ACTION, ...facts, privilegedBecause: [] })).toThrow(/privilegedBecause/);
  });
});

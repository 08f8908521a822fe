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
    expect(buttons(card).map((b) => b.title)).toEqual(['Approve', 'Deny']);
    expect(buttons(card)[0]!.verb).toBe('approval.approve');
    // Deny opens a form that asks why (the requester reads it) before the deny goes out.
    const denyForm = (card.actions![1] as unknown as { card: { body: Array<{ id: string; isRequired: boolean }>; actions: Array<{ verb: string; title: string }> } }).card;
    expect(denyForm.body[0]).toMatchObject({ id: 'reason', isRequired: true });
    expect(denyForm.actions[0]).toMatchObject({ verb: 'approval.deny', title: 'Deny request' });
  });

  it('for an account that needs two approvers, says how many approved so far and who', () => {
    const card = buildApprovalRequestCard({ ...ACTION, ...facts, approvalsRequired: 2, approvedBy: ['Sam Lee'] });
    expect(visibleText(card)).toContain('Needs 2 approvers (1 of 2 so far: approved by Sam Lee).');
  });

  it('once approved, says by whom and when, and has no buttons left', () => {
    const card = buildApprovalResolvedCard({ ...facts, decision: { outcome: 'approved', by: 'Sam Lee', at: new Date('2026-03-02T08:05:00Z') } });
    expect(visibleText(card)).toContain('Approved by Sam Lee');
    expect(visibleText(card)).toContain('{{TIME(2026-03-02T08:05:00Z)}}');
    expect(card).not.toHaveProperty('actions');
  });

  it('once denied, says by whom and why, and keeps the checks that were passed', () => {
    const card = buildApprovalResolvedCard({ ...facts, decision: { outcome: 'denied', by: 'Sam Lee', at: ASKED_AT, reason: 'Not during the change freeze' } });
    expect(visibleText(card)).toContain('Denied by Sam Lee');
    expect(visibleText(card)).toContain('Not during the change freeze');
    expect(visibleText(card)).toContain('Manager Dana Smith confirmed');
    expect(buttons(card)).toEqual([]);
  });

  it('refuses a request card with no reason for approval', () => {
    expect(() => buildApprovalRequestCard({ ...ACTION, ...facts, privilegedBecause: [] })).toThrow(/privilegedBecause/);
  });
});

import { buildStatusCard } from './status-card';
import { FRESH } from './testing/card-samples';
import { buttons, visibleText } from './testing/card-text';

const known = { state: 'known', locked: false, disabled: false, passwordExpiresAt: new Date('2026-04-15T10:00:00.123Z') } as const;

describe('the account status card', () => {
  it('says the answer is pending until the directory agent reports', () => {
    const card = buildStatusCard({ accountName: 'jo@contoso.com', status: { state: 'pending' } });
    expect(visibleText(card)).toContain('Pending: the directory agent will report this.');
    expect(card).not.toHaveProperty('actions');
  });

  it("shows the expiry date in the reader's own locale", () => {
    expect(visibleText(buildStatusCard({ accountName: 'jo@contoso.com', status: known }))).toContain(
      'Your password expires on {{DATE(2026-04-15T10:00:00Z, LONG)}}.',
    );
  });

  it('offers "Unlock my account" only when the account is locked and not disabled', () => {
    const locked = buildStatusCard({ accountName: 'jo@contoso.com', status: { ...known, locked: true }, unlock: FRESH });
    expect(visibleText(locked)).toContain('Locked');
    expect(buttons(locked)).toEqual([{ title: 'Unlock my account', verb: 'menu.unlock', data: FRESH }]);
    expect(buttons(buildStatusCard({ accountName: 'jo@contoso.com', status: known, unlock: FRESH }))).toEqual([]);
    expect(buttons(buildStatusCard({ accountName: 'jo@contoso.com', status: { ...known, locked: true, disabled: true }, unlock: FRESH }))).toEqual([]);
  });

  it('says when the password has expired or never expires', () => {
    expect(visibleText(buildStatusCard({ accountName: 'a@b.c', status: { ...known, passwordExpired: true } }))).toContain('has expired');
    expect(visibleText(buildStatusCard({ accountName: 'a@b.c', status: { ...known, passwordExpiresAt: null } }))).toContain('does not expire');
  });
});

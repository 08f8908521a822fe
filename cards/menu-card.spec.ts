import { buildMenuCard } from './menu-card';
import { ACTION } from './testing/card-samples';
import { buttons, visibleText } from './testing/card-text';

describe('the menu card', () => {
  it('greets a synced user by name and offers every self-service action, reset first', () => {
    const card = buildMenuCard({ ...ACTION, displayName: 'Jo Doe', syncedFromOnPremises: true });
    expect(visibleText(card)).toContain('Jo Doe');
    expect(buttons(card).map((b) => [b.title, b.verb])).toEqual([
      ['Reset password', 'menu.reset'],
      ['Unlock account', 'menu.unlock'],
      ['Check account status', 'menu.status'],
      ['Change password', 'menu.change'],
      ['Help', 'menu.help'],
    ]);
    for (const b of buttons(card)) expect(b.data).toEqual(ACTION);
  });

  it("tells a cloud-only user the bot can't reset their account and points to Microsoft's self-service reset", () => {
    const card = buildMenuCard({ ...ACTION, displayName: 'Jo Doe', syncedFromOnPremises: false });
    expect(visibleText(card)).toContain("I can't reset or unlock your account");
    expect(visibleText(card)).toContain('https://aka.ms/sspr');
    expect(buttons(card)).toEqual([
      { title: 'Open password reset', url: 'https://aka.ms/sspr' },
      { title: 'Help', verb: 'menu.help', data: ACTION },
    ]);
  });

  it('uses the self-service address the company configured', () => {
    const card = buildMenuCard({ ...ACTION, displayName: 'Jo', syncedFromOnPremises: false, selfServiceUrl: 'https://passwordreset.contoso.com/' });
    expect(buttons(card)[0]).toMatchObject({ url: 'https://passwordreset.contoso.com/' });
  });

  it('refuses a self-service address that is not https', () => {
    expect(() => buildMenuCard({ ...ACTION, displayName: 'Jo', syncedFromOnPremises: false, selfServiceUrl: 'javascript:alert(1)' })).toThrow(
      expect.objectContaining({ code: 'CARD_DATA_INVALID' }),
    );
  });

  it('refuses to build with a step token the bot would not accept back, naming the field but not its value', () => {
    const bad = 'short<>';
    try {
      buildMenuCard({ requestId: ACTION.requestId, stepToken: bad, displayName: 'Jo', syncedFromOnPremises: true });
      throw new Error('built');
    } catch (err) {
      expect(err).toMatchObject({ code: 'CARD_DATA_INVALID', details: { fields: 'stepToken' } });
      expect((err as Error).message).not.toContain(bad);
    }
  });
});

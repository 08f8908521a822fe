import { buildFailureCard, buildNotAllowedCard, buildPasswordChangedCard, buildStepOverCard, buildWorkingCard } from './notice-cards';
import { FRESH } from './testing/card-samples';
import { buttons, visibleText } from './testing/card-text';

describe('the cards that end a step', () => {
  it('"working on it" says the password is being set in the company directory, and has no buttons', () => {
    const card = buildWorkingCard({ operation: 'reset' });
    expect(visibleText(card)).toContain('Working on it…');
    expect(visibleText(card)).toContain('Your new password is being set in the company directory.');
    expect(buttons(card)).toEqual([]);
  });

  it('success tells the person to sign in again on their devices', () => {
    expect(visibleText(buildPasswordChangedCard())).toMatch(/Your password was changed.*Sign in again on your devices/);
  });

  it('a failure shows the safe reason, that nothing changed, and what to do next', () => {
    const text = visibleText(buildFailureCard({ reason: 'The domain controller did not answer.', reference: 'abc123' }));
    expect(text).toContain('The domain controller did not answer.');
    expect(text).toContain('Nothing was changed.');
    expect(text).toContain('contact the IT helpdesk');
    expect(text).toContain('abc123');
  });

  it('offers "Start again" when the bot gives a fresh request, and otherwise says how to start again', () => {
    expect(buttons(buildStepOverCard({ startAgain: FRESH }))).toEqual([{ title: 'Start again', verb: 'menu.show', data: FRESH }]);
    const plain = buildStepOverCard();
    expect(buttons(plain)).toEqual([]);
    expect(visibleText(plain)).toContain('Send me any message to start again.');
  });

  it("someone else's card offers them nothing to click", () => {
    expect(buttons(buildNotAllowedCard({ startAgain: FRESH }))).toEqual([]);
    expect(visibleText(buildNotAllowedCard())).toContain('Only the person who started this request can use it.');
  });
});

// Self-service in a real Teams client (the Agents Playground in Chromium), on
// the demo's world: people type to the bot and click its cards, read their
// codes in their inbox, and each journey ends with what the domain controller
// says (a sign-in with the new password, lockoutTime, the unicodePwd version).
import { newPassword } from '../support/test-directory';
import { lockOutAgain } from '../../scripts/demo/directory';
import { describeInBrowser, useE2e } from './support/e2e-world';
import { chooseNewPassword, expectNewPasswordInDirectory, passwordChangedCard, proveWithCode, startFromMenu } from './support/journey-steps';

jest.setTimeout(180_000);

describeInBrowser('self-service in Teams', () => {
  const e2e = useE2e(__filename, { people: ['alice', 'lars', 'pat', 'helen', 'nestor', 'mark'] });

  test('a person who forgot their password resets it with a code sent by e-mail, and signs in with the new one', async () => {
    const alice = await e2e.open('alice');
    const old = e2e.passwordOf('alice');
    const before = await e2e.facts('alice');

    await startFromMenu(e2e, alice, 'Reset password');
    await e2e.step('the bot asks how to check it is her', alice, async () => {
      await alice.teams.cardSaying('Reset your password');
    });
    await proveWithCode(e2e, alice, 'E-mail');
    const fresh = newPassword();
    await chooseNewPassword(e2e, alice, fresh);
    await passwordChangedCard(e2e, alice);

    await expectNewPasswordInDirectory(e2e, 'alice', { old, fresh, before });
  });

  test('a locked-out person unlocks their account with an e-mailed code and can sign in again with the password they had', async () => {
    const lars = await e2e.open('lars');
    const before = await e2e.facts('lars');
    expect(before.lockoutTime).not.toBe('0');

    await startFromMenu(e2e, lars, 'Unlock account');
    await proveWithCode(e2e, lars, 'E-mail');
    await e2e.step('the card says the account is unlocked', lars, async () => {
      await lars.teams.cardSaying('Your account is unlocked', 60_000);
    });

    const after = await e2e.facts('lars');
    expect(after.lockoutTime).toBe('0');
    expect(after.passwordVersion).toBe(before.passwordVersion);
    expect(await e2e.canSignIn('lars', e2e.passwordOf('lars'))).toBe(true);
  });

  test('a person checks their account status and reads what the directory says: locked out, nothing changed', async () => {
    await lockOutAgain(e2e.world.directory, 'helen');
    const before = await e2e.facts('helen');
    expect(before.lockoutTime).not.toBe('0');
    const helen = await e2e.open('helen');

    await startFromMenu(e2e, helen, 'Check account status');
    await proveWithCode(e2e, helen, 'E-mail');
    await e2e.step('the status card says the account is locked and when the password expires', helen, async () => {
      const status = await helen.teams.cardSaying('Locked: too many wrong passwords were tried.', 60_000);
      await status.getByText(/Your password expires on/).waitFor();
    });

    expect(await e2e.facts('helen')).toEqual(before);
  });

  test('a person who knows their password changes it, and afterwards only the new one works', async () => {
    const nestor = await e2e.open('nestor');
    const old = e2e.passwordOf('nestor');
    const before = await e2e.facts('nestor');

    await startFromMenu(e2e, nestor, 'Change password');
    const fresh = newPassword();
    await e2e.step('Nestor types his current password and a new one twice', nestor, async () => {
      const card = await nestor.teams.cardSaying('Change your password');
      await nestor.teams.fill(card, 'Current password', old);
      await nestor.teams.fill(card, 'New password', fresh);
      await nestor.teams.fill(card, 'Type it again', fresh);
      await nestor.teams.click(card, 'Set password');
    });
    await passwordChangedCard(e2e, nestor);

    await expectNewPasswordInDirectory(e2e, 'nestor', { old, fresh, before });
  });

  test('a wrong code is refused with the tries left, and a password her fine-grained policy forbids is refused with the reason, before the right ones go through', async () => {
    const pat = await e2e.open('pat');
    const old = e2e.passwordOf('pat');
    const before = await e2e.facts('pat');

    await startFromMenu(e2e, pat, 'Reset password');
    let code = '';
    await e2e.step('Pat asks for a code by e-mail', pat, async () => {
      const choose = await pat.teams.cardSaying('How should we check?');
      await pat.teams.choose(choose, /^E-mail a code to/);
      code = await pat.inbox.codeFrom('E-mail', () => pat.teams.click(choose, 'Continue'));
    });
    await e2e.step('Pat mistypes the code and is told how many tries are left', pat, async () => {
      const card = await pat.teams.cardSaying('Type the code');
      const wrong = code.replace(/^./, (d) => String((Number(d) + 1) % 10));
      await pat.teams.fill(card, 'Code', wrong);
      await pat.teams.click(card, 'Check code');
      await pat.teams.cardSaying(/That code is not right\. \d+ tries? left\./);
    });
    await e2e.step('Pat types the right code', pat, async () => {
      const card = pat.teams.card('Type the code');
      await pat.teams.fill(card, 'Code', code);
      await pat.teams.click(card, 'Check code');
    });
    await e2e.step("the new password card shows her policy's 14 characters", pat, async () => {
      const card = await pat.teams.cardSaying('Choose a new password');
      await card.getByText('• At least 14 characters').waitFor();
    });
    // 13 characters: long enough for the domain and for ResetDesk's own 12, too short for "Strict PSO".
    const tooShort = 'Kx7#mQ2!vR9$z';
    await chooseNewPassword(e2e, pat, tooShort);
    await e2e.step('the card refuses it as too short and asks again', pat, async () => {
      const card = await pat.teams.cardSaying('Please try again:');
      await card.getByText('It is too short: use at least 14 characters.').waitFor();
    });
    await chooseNewPassword(e2e, pat, 'Pedersen-2026-Summer!');
    await e2e.step('the card refuses a password with her name in it', pat, async () => {
      await pat.teams.cardSaying('It contains your name or account name.');
    });
    const fresh = `${newPassword()}-Long`;
    await chooseNewPassword(e2e, pat, fresh);
    await passwordChangedCard(e2e, pat);

    expect(await e2e.canSignIn('pat', tooShort)).toBe(false);
    // The refused passwords never reached the directory: one write.
    await expectNewPasswordInDirectory(e2e, 'pat', { old, fresh, before });
  });

  test('a person proves who they are through their manager, who confirms in Teams, and then sets a new password', async () => {
    // The bot can message a manager only once they have opened it (it then knows their conversation).
    const mark = await e2e.open('mark');
    const alice = await e2e.open('alice');
    const old = e2e.passwordOf('alice');
    const before = await e2e.facts('alice');

    await startFromMenu(e2e, alice, 'Reset password');
    await e2e.step('Alice asks her manager to confirm', alice, async () => {
      const choose = await alice.teams.cardSaying('How should we check?');
      await alice.teams.choose(choose, 'Ask my manager, Mark Madsen');
      await alice.teams.click(choose, 'Continue');
      await alice.teams.cardSaying('Waiting for your manager');
    });
    await e2e.step('Mark is asked in his chat whether Alice really asked, and confirms', mark, async () => {
      const ask = await mark.teams.cardSaying('Please confirm');
      await ask.getByText('Alice Andersen').first().waitFor();
      await mark.teams.click(ask, 'Confirm');
      await mark.teams.cardSaying('Thanks, you confirmed');
    });
    const fresh = newPassword();
    await chooseNewPassword(e2e, alice, fresh);
    await passwordChangedCard(e2e, alice);

    await expectNewPasswordInDirectory(e2e, 'alice', { old, fresh, before });
  });
});

// The helpdesk in a real Teams client (the Agents Playground in Chromium), on
// the demo's world: Helen (IT Helpdesk) finds a caller, sees their account,
// acts with a ticket number, and checks the caller first, by a code sent to
// the owner's registered method (which the caller reads back over the phone)
// or by asking the owner in Teams. Each journey ends with what the domain
// controller says.
import { adminClient, bindResult } from '../support/test-directory';
import type { PersonKey } from '../../scripts/demo/people';
import { describeInBrowser, useE2e, type E2e } from './support/e2e-world';
import { askOwnerInTeams, callerReadsCode, helpdeskAct, helpdeskFind, messageSaying, openHelpdesk } from './support/journey-steps';

jest.setTimeout(240_000);


/** The account's pwdLastSet on the DC: "0" means the password must be changed at the next sign-in. */
async function pwdLastSetOf(e2e: E2e, key: PersonKey): Promise<string> {
  const client = await adminClient(e2e.world.directory);
  try {
    const { searchEntries } = await client.search(e2e.world.directory.accounts[key].dn, { scope: 'base', attributes: ['pwdLastSet'] });
    return String(searchEntries[0]?.pwdLastSet);
  } finally {
    await client.unbind();
  }
}

describeInBrowser('the helpdesk in Teams', () => {
  const e2e = useE2e(__filename, { people: ['helen', 'lars', 'alice', 'pat'] });

  test('Helen finds a locked-out caller, checks him with a code he reads back from his phone, and unlocks his account; he is told in Teams and by mail who did it, with the ticket', async () => {
    // The bot tells a person in Teams only once they have opened it.
    const lars = await e2e.open('lars');
    const helen = await e2e.open('helen');
    const before = await e2e.facts('lars');
    expect(before.lockoutTime).not.toBe('0');

    await openHelpdesk(e2e, helen, 'typing');
    const account = await helpdeskFind(e2e, helen, lars);
    await e2e.step("Lars's account card says he is locked out", helen, async () => {
      await account.getByText('Locked out', { exact: true }).waitFor();
      expect(await helen.teams.buttonsOf(account)).toEqual(expect.arrayContaining(['Unlock account', 'Reset password']));
    });
    await helpdeskAct(e2e, helen, 'Unlock account', 'INC-4711');
    await e2e.step('the card asks her to check that the caller really is Lars', helen, async () => {
      await helen.teams.cardSaying('First, check that the caller really is Lars Lund.');
    });
    await callerReadsCode(e2e, helen, lars, 'Text message');
    await e2e.step("Helen's card says the account is unlocked, with the ticket", helen, async () => {
      const done = await helen.teams.cardSaying('Account unlocked', 60_000);
      await done.getByText('INC-4711').waitFor();
    });
    await e2e.step('Lars is told in Teams that Helen unlocked his account', lars, async () => {
      const told = await lars.teams.cardSaying('The helpdesk unlocked your account');
      await told.getByText('Helen Holm').waitFor();
    });
    await e2e.step('Lars gets a mail naming Helen and the ticket', lars.inbox, async () => {
      const mail = await messageSaying(lars, 'E-mail', 'The IT helpdesk unlocked your account');
      expect(await mail.innerText()).toMatch(/Helen Holm from the IT helpdesk unlocked your account \(lars\), ticket INC-4711/);
    });

    const after = await e2e.facts('lars');
    expect(after.lockoutTime).toBe('0');
    expect(after.passwordVersion).toBe(before.passwordVersion);
    expect(await e2e.canSignIn('lars', e2e.passwordOf('lars'))).toBe(true);
  });

  test('Helen resets a caller\'s password after the owner confirms in Teams that the caller is her: the temporary password reaches only Alice\'s phone, works, and must be changed', async () => {
    const alice = await e2e.open('alice');
    const helen = await e2e.open('helen');
    const old = e2e.passwordOf('alice');
    const before = await e2e.facts('alice');

    await openHelpdesk(e2e, helen, 'menu');
    const account = await helpdeskFind(e2e, helen, alice);
    await e2e.step("Alice's account card says she is not locked out", helen, async () => {
      await account.getByText('Not locked', { exact: true }).waitFor();
    });
    await helpdeskAct(e2e, helen, 'Reset password', 'INC-4712');
    await askOwnerInTeams(e2e, helen, alice);
    await e2e.step('Alice is asked in her chat whether the caller is her, and says yes', alice, async () => {
      const ask = await alice.teams.cardSaying('Is that you on the phone?');
      await ask.getByText('Helen Holm').waitFor();
      await ask.getByText(/is helping someone right now who says they are you, to reset your password/).waitFor();
      await alice.teams.click(ask, "Yes, that's me");
      await alice.teams.cardSaying('Thanks, you confirmed');
    });
    await e2e.step("Helen's card says a temporary password went to Alice's phone", helen, async () => {
      const done = await helen.teams.cardSaying('Temporary password set', 60_000);
      await done.getByText(/was sent to their phone/).waitFor();
      await done.getByText('INC-4712').waitFor();
    });
    let temporary = '';
    await e2e.step('Alice reads the temporary password in the text message she got', alice.inbox, async () => {
      const text = await (await messageSaying(alice, 'Text message', 'Your temporary password')).innerText();
      temporary = /temporary password for alice is (\S+) \./.exec(text)?.[1] ?? '';
      expect(temporary.length).toBeGreaterThanOrEqual(12);
    });
    await e2e.step('Alice is told in Teams that Helen reset her password', alice, async () => {
      const told = await alice.teams.cardSaying('The helpdesk reset your password');
      await told.getByText('Helen Holm').waitFor();
    });
    await e2e.step("the temporary password appears nowhere on Helen's screen", helen, async () => {
      expect(await helen.teams.page.locator('body').innerText()).not.toContain(temporary);
    });

    // The DC takes the temporary password, but only to change it: AD's "data 773" (must change the password first).
    expect(await bindResult(e2e.world.directory, e2e.world.directory.accounts.alice.userPrincipalName, temporary)).toMatch(/data 773/);
    expect(await pwdLastSetOf(e2e, 'alice')).toBe('0');
    expect(await e2e.canSignIn('alice', old)).toBe(false);
    expect((await e2e.facts('alice')).passwordVersion).toBe(before.passwordVersion + 1);
    e2e.setPasswordOf('alice', temporary);
  });

  test('"Not me": the account owner says the caller is not her, Helen\'s card says it stopped, nothing changes on the DC, and the owner gets an alert mail', async () => {
    const pat = await e2e.open('pat');
    const helen = await e2e.open('helen');
    const before = await e2e.facts('pat');
    const lastSet = await pwdLastSetOf(e2e, 'pat');

    await openHelpdesk(e2e, helen, 'typing');
    await helpdeskFind(e2e, helen, pat);
    await helpdeskAct(e2e, helen, 'Reset password', 'INC-4713');
    await askOwnerInTeams(e2e, helen, pat);
    await e2e.step('Pat is asked whether the caller is her, and answers "Not me"', pat, async () => {
      const ask = await pat.teams.cardSaying('Is that you on the phone?');
      await ask.getByText('Helen Holm').waitFor();
      await pat.teams.click(ask, 'Not me');
      await pat.teams.cardSaying('Thanks for telling us');
    });
    await e2e.step("Helen's card says the caller is not Pat and that she stopped", helen, async () => {
      const stopped = await helen.teams.cardSaying('Stopped: the caller is not them');
      await stopped.getByText(/Nothing was changed/).waitFor();
      await stopped.getByText(/social-engineering/).waitFor();
      expect(await helen.teams.card('Temporary password set').count()).toBe(0);
    });
    await e2e.step('Pat gets an alert mail', pat.inbox, async () => {
      const mail = await messageSaying(pat, 'E-mail', 'Someone called the helpdesk as you');
      expect(await mail.innerText()).toMatch(/nothing was changed/);
    });

    expect(await e2e.facts('pat')).toEqual(before);
    expect(await pwdLastSetOf(e2e, 'pat')).toBe(lastSet);
    expect(await e2e.canSignIn('pat', e2e.passwordOf('pat'))).toBe(true);
  });

  test('someone outside the helpdesk group who types "help someone" gets her own menu, with no helpdesk search and no "Help someone" button', async () => {
    const alice = await e2e.open('alice');

    await e2e.step('Alice types "help someone" and gets her menu', alice, async () => {
      await alice.teams.say('help someone');
      await alice.teams.cardSaying('What do you need?');
    });
    await e2e.step('the menu offers only her own account, and no search for someone else', alice, async () => {
      const menu = alice.teams.card('What do you need?');
      const buttons = await alice.teams.buttonsOf(menu);
      expect(buttons).toEqual(expect.arrayContaining(['Reset password', 'Unlock account']));
      expect(buttons).not.toContain('Help someone');
      if (buttons.includes('More options')) {
        await alice.teams.click(menu, 'More options');
        expect(await alice.teams.page.getByRole('menuitem', { name: 'Help someone' }).count()).toBe(0);
        await alice.teams.page.keyboard.press('Escape');
      }
      expect(await alice.teams.card('Find the person who called.').count()).toBe(0);
      expect(await alice.teams.page.getByLabel(/^Name, e-mail or sign-in name/).count()).toBe(0);
    });
  });
});

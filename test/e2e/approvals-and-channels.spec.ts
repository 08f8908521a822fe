// Journeys that involve more than one person or more than the personal chat,
// in a real Teams client (the Agents Playground in Chromium) on the demo's
// world: privileged resets decided in the Approvers channel, a click by
// someone who may not decide, and a reset asked for in a channel. Each ends
// with what the domain controller says.
import { newPassword } from '../support/test-directory';
import { DEMO_TEAM } from '../../scripts/demo/people';
import { describeInBrowser, useE2e, type Person } from './support/e2e-world';
import { chooseNewPassword, expectNewPasswordInDirectory, passwordChangedCard, proveWithCode, startFromMenu } from './support/journey-steps';

jest.setTimeout(240_000);

describeInBrowser('approvals and channels in Teams', () => {
  const e2e = useE2e(__filename, { people: ['alice', 'diego', 'helen', 'megan', 'nestor'] });

  /** A Domain Admin asks for a reset and passes both checks (a code by e-mail, then one by text message). */
  async function privilegedResetUpToApproval(diego: Person): Promise<void> {
    await startFromMenu(e2e, diego, 'Reset password');
    await e2e.step('the bot says his account needs two checks', diego, async () => {
      await (await diego.teams.cardSaying('How should we check?')).getByText('Step 1 of 2').waitFor();
    });
    await proveWithCode(e2e, diego, 'E-mail');
    await e2e.step('the bot asks for one more check', diego, async () => {
      await diego.teams.cardSaying('One more check, please.');
    });
    await proveWithCode(e2e, diego, 'Text message');
    await e2e.step('his card says an approver must decide', diego, async () => {
      await diego.teams.cardSaying('Waiting for approval');
    });
  }

  test("a Domain Admin's reset waits for two approvers, Megan and then Nestor approve it in the Approvers channel, and then his new password works", async () => {
    // Approvers' Playgrounds must be open before the bot posts: a Playground shows no channel post that arrived while its page was closed.
    const megan = await e2e.open('megan', { view: 'approvers' });
    const nestor = await e2e.open('nestor', { view: 'approvers' });
    const diego = await e2e.open('diego');
    const old = e2e.passwordOf('diego');
    const before = await e2e.facts('diego');

    await privilegedResetUpToApproval(diego);
    await e2e.step('Megan reads the request in the Approvers channel and approves it', megan, async () => {
      const approval = await megan.teams.cardSaying('Approval needed');
      await approval.getByText('Diego Dahl').first().waitFor();
      await approval.getByText('Code by e-mail to').waitFor();
      await approval.getByText('Code by text message to').waitFor();
      await megan.teams.click(approval, 'Approve');
      await megan.teams.cardSaying('1 of 2 so far: approved by Megan Moss');
    });
    await e2e.step("Nestor's copy of the card says Megan approved, and he approves too", nestor, async () => {
      const approval = await nestor.teams.cardSaying('1 of 2 so far: approved by Megan Moss');
      await nestor.teams.click(approval, 'Approve');
      await nestor.teams.cardSaying('Approved by Megan Moss and Nestor Nilsen');
    });
    await e2e.step("Megan's copy says it is approved too", megan, async () => {
      await megan.teams.cardSaying('Approved by Megan Moss and Nestor Nilsen');
    });
    await e2e.step("Diego's card turns into the new password card", diego, async () => {
      await diego.teams.cardSaying('Choose a new password');
    });
    const fresh = newPassword();
    await chooseNewPassword(e2e, diego, fresh);
    await passwordChangedCard(e2e, diego);

    await expectNewPasswordInDirectory(e2e, 'diego', { old, fresh, before });
  });

  test('someone who is not an approver cannot approve a privileged reset: only she is told so, the request keeps waiting and the directory is unchanged', async () => {
    // Helen (helpdesk) is in the IT team and sees the Approvers channel, but is no approver.
    const helen = await e2e.open('helen', { view: 'approvers' });
    const diego = await e2e.open('diego');
    const before = await e2e.facts('diego');

    await privilegedResetUpToApproval(diego);
    await e2e.step('Helen clicks Approve on the request', helen, async () => {
      await helen.teams.click(await helen.teams.cardSaying('Approval needed'), 'Approve');
      // The Playground's Log Panel lists the click once the bot has answered it.
      await helen.teams.logPanel().getByText(/invoke \d{3}/).first().waitFor();
    });
    await e2e.step('she is told that only approvers decide', helen, async () => {
      await helen.teams.page.getByText(/only .*approver/i).first().waitFor({ timeout: 5_000 });
    });
    await e2e.step('the card in the channel still offers Approve and Deny to the approvers', helen, async () => {
      const approval = await helen.teams.cardSaying('Approval needed', 5_000);
      expect(await helen.teams.buttonsOf(approval)).toEqual(expect.arrayContaining(['Approve', 'Deny']));
    });
    await e2e.step("Diego's card still says it waits for approval", diego, async () => {
      await diego.teams.page.waitForTimeout(3_000);
      await diego.teams.cardSaying('Waiting for approval');
      expect(await diego.teams.card('Choose a new password').count()).toBe(0);
    });

    expect(await e2e.facts('diego')).toEqual(before);
    expect(await e2e.canSignIn('diego', e2e.passwordOf('diego'))).toBe(true);
  });

  test('a reset asked for in a channel moves to the personal chat and is finished there', async () => {
    const alice = await e2e.open('alice', { view: 'general' });
    const old = e2e.passwordOf('alice');
    const before = await e2e.facts('alice');

    await e2e.step(`Alice asks ResetDesk in the ${DEMO_TEAM.name} General channel to reset her password`, alice, async () => {
      await alice.teams.postMentioningBot('please reset my password');
      await alice.teams.thread('please reset my password').waitFor();
    });
    await e2e.step('the bot answers, and nothing in the channel asks her for anything', alice, async () => {
      // The Playground's Log Panel lists each message the bot sends ("message 201").
      await alice.teams.logPanel().getByText(/message 201/).first().waitFor({ timeout: 30_000 });
      await alice.teams.page.waitForTimeout(1_000);
      const thread = alice.teams.thread('please reset my password');
      for (const title of ['Reset password', 'Unlock account', 'Continue', 'Check code', 'Set password']) {
        expect([title, await thread.getByRole('button', { name: title, exact: true }).count()]).toEqual([title, 0]);
      }
    });
    await e2e.step('her personal chat with ResetDesk offers the reset', alice, async () => {
      await alice.teams.openPersonalChat();
      await alice.teams.cardSaying(/What do you need\?|Reset your password/);
    });
    await e2e.step('she starts the reset there', alice, async () => {
      const menu = alice.teams.card('What do you need?');
      if ((await menu.count()) > 0) await alice.teams.click(menu, 'Reset password');
      await alice.teams.cardSaying('How should we check?');
    });
    await proveWithCode(e2e, alice, 'E-mail');
    const fresh = newPassword();
    await chooseNewPassword(e2e, alice, fresh);
    await passwordChangedCard(e2e, alice);

    await expectNewPasswordInDirectory(e2e, 'alice', { old, fresh, before });
  });
});

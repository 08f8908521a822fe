// The steps many journeys share, each as a person does it in Teams, and the
// check against the domain controller that ends a password journey.
import type { Locator } from 'playwright-core';
import type { PersonKey } from '../../../scripts/demo/people';
import type { AccountFacts } from '../../../scripts/demo/directory';
import type { E2e, Person } from './e2e-world';
import type { MessageKind } from './inbox-page';

/** "hi", then the menu's button `action`. */
export async function startFromMenu(e2e: E2e, who: Person, action: string): Promise<void> {
  await e2e.step(`${who.name} says hi and gets the menu`, who, async () => {
    await who.teams.say('hi');
    await who.teams.cardSaying('What do you need?');
  });
  await e2e.step(`${who.name} clicks "${action}"`, who, async () => {
    await who.teams.click(who.teams.card('What do you need?'), action);
  });
}

const METHOD: Record<MessageKind, RegExp> = { 'E-mail': /^E-mail a code to/, 'Text message': /^Text a code to/ };

/** On the "How should we check?" card: chooses a code by `kind`, reads it where it arrives, and types it. */
export async function proveWithCode(e2e: E2e, who: Person, kind: MessageKind = 'E-mail'): Promise<void> {
  let code = '';
  await e2e.step(`${who.name} asks for a code by ${kind.toLowerCase()}`, who, async () => {
    const choose = await who.teams.cardSaying('How should we check?');
    await who.teams.choose(choose, METHOD[kind]);
    code = await who.inbox.codeFrom(kind, () => who.teams.click(choose, 'Continue'));
  });
  await e2e.step(`${who.name} reads the code`, who.inbox, async () => {
    if (!/^\d{6,8}$/.test(code)) throw new Error(`not a code: ${code}`);
  });
  await e2e.step(`${who.name} types the code`, who, async () => {
    const card = await who.teams.cardSaying('Type the code');
    await who.teams.fill(card, 'Code', code);
    await who.teams.click(card, 'Check code');
  });
}

/** On the new password card: the password twice, then "Set password". */
export async function chooseNewPassword(e2e: E2e, who: Person, password: string): Promise<void> {
  await e2e.step(`${who.name} types a new password twice and sets it`, who, async () => {
    const card = await who.teams.cardSaying('Choose a new password');
    await who.teams.fill(card, 'New password', password);
    await who.teams.fill(card, 'Type it again', password);
    await who.teams.click(card, 'Set password');
  });
}

/** The card the agent's result turns "Working on it…" into. */
export async function passwordChangedCard(e2e: E2e, who: Person): Promise<void> {
  await e2e.step('the card says the password was changed once the agent has written it', who, async () => {
    await who.teams.cardSaying('Your password was changed', 60_000);
  });
}

/**
 * What the DC must say after a password journey: the new password signs in,
 * the old one no longer does, and the password was written `writes` times.
 */
export async function expectNewPasswordInDirectory(
  e2e: E2e, key: PersonKey, change: { old: string; fresh: string; before: AccountFacts; writes?: number },
): Promise<void> {
  expect(await e2e.canSignIn(key, change.fresh)).toBe(true);
  expect(await e2e.canSignIn(key, change.old)).toBe(false);
  expect((await e2e.facts(key)).passwordVersion).toBe(change.before.passwordVersion + (change.writes ?? 1));
  e2e.setPasswordOf(key, change.fresh);
}

// ---- the helpdesk ---------------------------------------------------------------------------

/** A helpdesk member opens the search: by typing "help someone", or with the menu's "Help someone". */
export async function openHelpdesk(e2e: E2e, desk: Person, via: 'typing' | 'menu'): Promise<void> {
  if (via === 'typing') {
    await e2e.step(`${desk.name} types "help someone" and gets the helpdesk search`, desk, async () => {
      await desk.teams.say('help someone');
      await desk.teams.cardSaying('Find the person who called.');
    });
    return;
  }
  await startFromMenu(e2e, desk, 'Help someone');
  await e2e.step('the menu turns into the helpdesk search', desk, async () => {
    await desk.teams.cardSaying('Find the person who called.');
  });
}

/** On the search card: finds the caller by first name, picks them from the matches, and returns the account card. */
export async function helpdeskFind(e2e: E2e, desk: Person, caller: Person): Promise<Locator> {
  const firstName = caller.name.split(' ')[0]!;
  await e2e.step(`${desk.name} searches for "${firstName}" and picks ${caller.name}`, desk, async () => {
    const find = await desk.teams.cardSaying('Find the person who called.');
    await desk.teams.fill(find, 'Name, e-mail or sign-in name', firstName);
    await desk.teams.click(find, 'Find');
    const matches = await desk.teams.cardSaying('Who is calling?');
    await matches.getByText(caller.name, { exact: true }).waitFor();
    await desk.teams.click(matches, `Choose ${firstName}`);
  });
  let account!: Locator;
  await e2e.step(`${desk.name} sees the account of ${caller.name}`, desk, async () => {
    account = await desk.teams.cardSaying('Ticket number or reason');
    await account.getByText(caller.name, { exact: true }).waitFor();
  });
  return account;
}

/** On the account card: the ticket, then "Unlock account" or "Reset password"; the card then asks how to check the caller. */
export async function helpdeskAct(e2e: E2e, desk: Person, action: 'Unlock account' | 'Reset password', ticket: string): Promise<void> {
  await e2e.step(`${desk.name} types ticket ${ticket} and clicks "${action}"`, desk, async () => {
    const account = desk.teams.card('Ticket number or reason');
    await desk.teams.fill(account, 'Ticket number or reason', ticket);
    await desk.teams.click(account, action);
    await desk.teams.cardSaying('How should we check?');
  });
}

const CALLER_METHOD: Record<MessageKind, RegExp> = { 'E-mail': /^E-mail a code to their .*; the caller reads it to you/, 'Text message': /^Text a code to their .*; the caller reads it to you/ };

/**
 * The caller's check by a code: the helpdesk member sends it to the owner's
 * registered method, the caller reads it from there over the phone, and the
 * helpdesk member types it.
 */
export async function callerReadsCode(e2e: E2e, desk: Person, caller: Person, kind: MessageKind): Promise<void> {
  let code = '';
  await e2e.step(`${desk.name} sends a code by ${kind.toLowerCase()} to ${caller.name}`, desk, async () => {
    const choose = await desk.teams.cardSaying('How should we check?');
    await desk.teams.choose(choose, CALLER_METHOD[kind]);
    code = await caller.inbox.codeFrom(kind, () => desk.teams.click(choose, 'Continue'));
  });
  await e2e.step(`${caller.name} reads the code where it arrived, to read it back on the phone`, caller.inbox, async () => {
    if (!/^\d{6,8}$/.test(code)) throw new Error(`not a code: ${code}`);
  });
  await e2e.step(`${desk.name} types the code the caller reads to her`, desk, async () => {
    const card = await desk.teams.cardSaying('Type the code the caller reads to you');
    await desk.teams.fill(card, 'Code', code);
    await desk.teams.click(card, 'Check code');
  });
}

/** On the choose-method card: asks the account's owner in Teams whether the caller is them. */
export async function askOwnerInTeams(e2e: E2e, desk: Person, owner: Person): Promise<void> {
  await e2e.step(`${desk.name} asks ${owner.name} in Teams whether the caller is them`, desk, async () => {
    const choose = await desk.teams.cardSaying('How should we check?');
    await desk.teams.choose(choose, `Ask ${owner.name} in Teams whether the caller is them`);
    await desk.teams.click(choose, 'Continue');
    const waiting = await desk.teams.cardSaying('Waiting for the account owner');
    await waiting.getByText(owner.name).first().waitFor();
  });
}

/** The newest mail or text message to `who` that shows `text`, once it has arrived (the page is reloaded until then). */
export async function messageSaying(who: Person, kind: MessageKind, text: string | RegExp, timeoutMs = 60_000): Promise<Locator> {
  const message = who.inbox.page.getByRole('article', { name: `${kind} to ${who.name}` }).filter({ hasText: text }).first();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await who.inbox.count(kind); // reloads the page
    if ((await message.count()) > 0) return message;
    if (Date.now() > deadline) throw new Error(`no ${kind.toLowerCase()} to ${who.name} saying ${String(text)} within ${timeoutMs / 1000} s`);
    await who.inbox.page.waitForTimeout(500);
  }
}

// One person's Teams, as the Microsoft 365 Agents Playground (0.2.28) shows
// it: found by what a person sees (texts, labels, button titles), never by
// internal ids. The Playground's Log Panel repeats every chat text, so look-ups
// are scoped to the conversation (cards, message rows, channel threads).
import type { Locator, Page } from 'playwright-core';

export class TeamsPage {
  constructor(
    readonly page: Page,
    /** Whose Teams this is, for step names and screenshots. */
    readonly personName: string,
    readonly botName = 'ResetDesk',
  ) {}

  /** Opens the Playground and waits until it is connected to the bot (the Log Panel says "Connected."). */
  async open(url: string): Promise<void> {
    await this.page.goto(url, { waitUntil: 'domcontentloaded' });
    await this.logPanel().getByText('Connected.', { exact: true }).waitFor({ timeout: 30_000 });
  }

  logPanel(): Locator {
    return this.page.getByText('Log Panel', { exact: true }).locator('xpath=ancestor::div[2]');
  }

  async openPersonalChat(): Promise<void> {
    await this.page.getByRole('treeitem', { name: 'Personal Chat' }).click();
  }

  async openChannel(team: string, channel: string): Promise<void> {
    await this.page.getByRole('treeitem', { name: `${team} - ${channel}` }).click();
  }

  /**
   * Types into the chat box and sends, as a person does, until the Log Panel
   * shows the bot took it: on a busy machine a keystroke can land before the
   * editor is ready, and the Playground then sends nothing.
   */
  async say(text: string): Promise<void> {
    const box = this.page.locator('[data-lexical-editor="true"]').first();
    const escaped = text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const delivered = this.logPanel().getByText(new RegExp(`message \\d{3}\\s*${escaped}$`));
    const before = await delivered.count();
    for (let attempt = 0; attempt < 3; attempt++) {
      await box.click();
      if ((await box.innerText()).trim() === '') await this.page.keyboard.type(text);
      await this.page.keyboard.press('Enter');
      for (let i = 0; i < 40; i++) {
        if ((await delivered.count()) > before) return;
        await this.page.waitForTimeout(250);
      }
    }
    throw new Error(`"${text}" did not reach the bot (the Log Panel shows no message for it)`);
  }

  /** Every Adaptive Card in the conversation pane. */
  cards(): Locator {
    return this.page.locator('.ac-adaptiveCard');
  }

  /** The newest card showing `text`. */
  card(text: string | RegExp): Locator {
    return this.cards().filter({ hasText: text }).last();
  }

  /** Waits for the newest card showing `text` and returns it. */
  async cardSaying(text: string | RegExp, timeout = 30_000): Promise<Locator> {
    const card = this.card(text);
    await card.waitFor({ timeout });
    return card;
  }

  /** Clicks a card's button by its title (cards show six at most; the rest are under "More options"). */
  async click(card: Locator, title: string): Promise<void> {
    const button = card.getByRole('button', { name: title, exact: true });
    if ((await button.count()) > 0) {
      await button.click();
      return;
    }
    await card.getByRole('button', { name: 'More options' }).click();
    await this.page.getByRole('menuitem', { name: title }).click();
  }

  /** Fills the input labelled `label` (a required input's label ends in " *"). */
  async fill(card: Locator, label: string, value: string): Promise<void> {
    const escaped = label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    await card.getByLabel(new RegExp(`^${escaped}( \\*)?$`)).fill(value);
  }

  async choose(card: Locator, choice: string | RegExp): Promise<void> {
    await card.getByRole('radio', { name: choice }).check();
  }

  /** The buttons a card offers, by title. */
  async buttonsOf(card: Locator): Promise<string[]> {
    return (await card.getByRole('button').allInnerTexts()).map((t) => t.trim()).filter(Boolean);
  }

  // ---- channels: a post reaches the bot only when it @mentions it ------------------------------

  /** Starts a new post in the open channel, @mentioning the bot first. */
  async postMentioningBot(text: string): Promise<void> {
    const box = this.page.getByRole('group').filter({ has: this.page.getByRole('button', { name: 'Post', exact: true }) });
    await box.locator('[data-lexical-editor="true"]').click();
    await this.page.keyboard.type(`@${this.botName.slice(0, 4)}`);
    await this.page.locator('#typeahead-menu').getByRole('menuitem', { name: this.botName }).click();
    await this.page.keyboard.type(` ${text}`);
    await box.getByRole('button', { name: 'Post', exact: true }).click();
  }

  /** A channel thread whose root post shows `text`. */
  thread(text: string): Locator {
    return this.page.getByRole('group').filter({ hasText: text }).filter({ hasNot: this.page.getByRole('button', { name: 'Post', exact: true }) });
  }
}

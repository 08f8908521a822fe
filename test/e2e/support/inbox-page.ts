// A person reading their mail and text messages on the demo's mailbox page,
// where one-time codes arrive (newest first).
import type { Page } from 'playwright-core';

export type MessageKind = 'E-mail' | 'Text message';

export class InboxPage {
  constructor(
    readonly page: Page,
    readonly personName: string,
    private readonly url: string,
  ) {}

  async open(): Promise<void> {
    await this.page.goto(this.url, { waitUntil: 'domcontentloaded' });
    await this.page.getByRole('heading', { name: /^Messages for / }).waitFor();
  }

  private messages(kind: MessageKind) {
    return this.page.getByRole('article', { name: `${kind} to ${this.personName}` });
  }

  async count(kind: MessageKind): Promise<number> {
    await this.page.reload({ waitUntil: 'domcontentloaded' });
    return this.messages(kind).count();
  }

  /**
   * Does `action` (the click that sends a code) and returns the code from the
   * message it brought, read from the newest message's text as a person
   * would read it.
   */
  async codeFrom(kind: MessageKind, action: () => Promise<void>, timeoutMs = 30_000): Promise<string> {
    const before = await this.count(kind);
    await action();
    const deadline = Date.now() + timeoutMs;
    while ((await this.count(kind)) <= before) {
      if (Date.now() > deadline) throw new Error(`no new ${kind.toLowerCase()} reached ${this.personName} within ${timeoutMs / 1000} s`);
      await this.page.waitForTimeout(500);
    }
    const text = await this.messages(kind).first().innerText();
    const code = /\b(\d{6,8})\b/.exec(text)?.[1];
    if (!code) throw new Error(`the newest ${kind.toLowerCase()} to ${this.personName} holds no code:\n${text}`);
    return code;
  }
}

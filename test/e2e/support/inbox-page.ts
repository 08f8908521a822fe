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
    await this.navigate(() => this.page.goto(this.url, { waitUntil: 'domcontentloaded' }));
    await this.page.getByRole('heading', { name: /^Messages for / }).waitFor();
  }

  private messages(kind: MessageKind) {
    return this.page.getByRole('article', { name: `${kind} to ${this.personName}` });
  }

  /** How many messages of `kind` the page shows, reloaded to be fresh. */
  async count(kind: MessageKind): Promise<number> {
    await this.navigate(() => this.page.reload({ waitUntil: 'domcontentloaded' }));
    return this.messages(kind).count();
  }

  /**
   * The page also reloads itself when a message arrives. When its own reload
   * and the test's meet, one of them is given up and the test's navigation
   * fails; it is made again, since the page's own check fires once per load.
   */
  private async navigate(go: () => Promise<unknown>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await go();
        return;
      } catch (e) {
        if (attempt >= 5 || !overtaken(e)) throw e;
      }
    }
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

function overtaken(e: unknown): boolean {
  return /ERR_ABORTED|interrupted by another navigation/.test(e instanceof Error ? e.message : String(e));
}

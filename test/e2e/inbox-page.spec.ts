// The test's view of the demo's mailbox page. The page reloads itself when a
// message arrives, and the test reloads it to read it fresh; the two reloads
// used to race, and the one the page started aborted the test's
// (net::ERR_ABORTED), failing a journey that had gone right.
import type { Browser, Page } from 'playwright-core';
import { startMailbox, type Mailbox } from '../../scripts/demo/mailbox';
import type { FakeSmsMessage } from '../support/fake-sms';
import { chromiumMissing, launchChromium, newLoopbackContext } from '../support/chromium';
import { InboxPage } from './support/inbox-page';

const ALICE_PHONE = '+14255550101';

const missing = chromiumMissing();
if (missing && process.env.CI === 'true') throw new Error(missing);
const describeWithBrowser = missing ? describe.skip : describe;

describeWithBrowser('the inbox page as the tests read it', () => {
  let browser: Browser;
  let page: Page;
  let mailbox: Mailbox;
  const texts: FakeSmsMessage[] = [];

  beforeAll(async () => {
    mailbox = await startMailbox({ graph: { state: { sentMails: [] } } as never, sms: { messages: texts }, port: 0 });
    browser = await launchChromium();
    page = await (await newLoopbackContext(browser)).newPage();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await mailbox?.close();
  });

  const textToAlice = (text: string): void => {
    texts.push({ to: ALICE_PHONE, text, at: new Date() } as FakeSmsMessage);
  };

  it("counts right when the page's own reload meets the test's, on a slow machine", async () => {
    const inbox = new InboxPage(page, 'Alice Andersen', `${mailbox.url}/?person=alice`);
    await inbox.open();
    // On a busy machine a page load can be slow: the page, seeing a new
    // message on its 1.5 s check, has started to reload itself when the test
    // reloads it. Holding each page load back plays that machine.
    await page.route((url) => url.pathname === '/', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 800));
      await route.continue().catch(() => undefined); // a load that was given up has nothing left to continue
    });
    try {
      for (let i = 0; i < 4; i++) {
        textToAlice(`Notice ${i}`);
        await page.waitForTimeout(1_700); // the page's own check has fired, and its reload is on its way
        expect(await inbox.count('Text message')).toBe(texts.length);
      }
    } finally {
      await page.unrouteAll({ behavior: 'ignoreErrors' });
    }
    expect(await inbox.count('Text message')).toBe(texts.length);
  }, 60_000);

  it('reads the code from the message the action brought, not an older one', async () => {
    const inbox = new InboxPage(page, 'Alice Andersen', `${mailbox.url}/?person=alice`);
    await inbox.open();
    textToAlice('Your ResetDesk code is 111111.');
    const code = await inbox.codeFrom('Text message', async () => {
      setTimeout(() => textToAlice('Your ResetDesk code is 424242.'), 300);
    });
    expect(code).toBe('424242');
  }, 60_000);
});

// The console's test setting: the whole bot service (bot-harness: real HTTP,
// store, Graph client against the fake Graph) with its console on, the local
// test issuer it trusts, the Teams stand-in on an origin of its own, one
// Chromium, and a person for each role. With `directory: true` the service
// is the journey world's (a Samba DC and a real agent behind it).
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, FrameLocator, Page } from 'playwright-core';
import type { ConsoleView } from '../../bot/console/roles';
import type { StoreEngineKind } from '../../bot/store';
import { createWritebackChannel } from '../../bot/writeback';
import { startBotHarness, type BotHarness } from '../support/bot-harness';
import { chromiumMissing, launchChromium } from '../support/chromium';
import { fakeUser, type FakeGraphUser } from '../support/fake-graph';
import { startJourneyWorld, type JourneyWorld } from '../journey/journey-harness';
import { newSigningKey } from '../writeback/writeback-harness';
import { startConsoleTestHost, type ConsoleTestHost } from './test-host';
import { startTestIssuer, type TestIssuer } from './test-issuer';

export const CONSOLE_HOST = 'resetdesk.contoso.test';
export const CONSOLE_APP_ID = 'c0a50e1e-7ab0-4c0e-9b1e-5a1e5e7c0de1';
export const GROUPS = {
  helpdesk: randomUUID(),
  approvers: randomUUID(),
  admins: randomUUID(),
};
export const APPROVER_CHANNEL = '19:console-approvers@thread.tacv2';

export type Role = 'helpdesk' | 'approver' | 'admin' | 'nobody';

/** The views each test person's role opens: the console's specification (roles.ts must agree). */
export const VIEWS_OF: Readonly<Record<Role, ConsoleView[]>> = {
  helpdesk: ['helpdesk', 'requests'],
  approver: ['approvals'],
  admin: ['requests', 'agents', 'audit', 'counts'],
  nobody: [],
};

export interface ConsoleWorld {
  bot: BotHarness;
  /** The Samba DC and the agent, when started with `directory: true`. */
  journey: JourneyWorld | undefined;
  issuer: TestIssuer;
  host: ConsoleTestHost;
  browser: Browser;
  people: Record<Role, FakeGraphUser>;
  /** A good token for `person`, as Teams would hand the tab. */
  token(person: FakeGraphUser): Promise<string>;
  /** The console's API as the page calls it. */
  api(path: string, opts?: { person?: FakeGraphUser; token?: string | null; method?: 'GET' | 'POST'; body?: unknown }): Promise<{ status: number; body: any; headers: Headers; text: string }>;
  /** Opens the console in the Teams stand-in as `person`, in a fresh browser context. */
  open(person: FakeGraphUser, opts?: { theme?: 'default' | 'dark' | 'contrast' }): Promise<{ page: Page; tab: FrameLocator; context: BrowserContext }>;
  close(): Promise<void>;
}

export interface ConsoleWorldOptions {
  engine: StoreEngineKind;
  /** Start a Samba DC and an agent too (the journey world). */
  directory?: boolean;
  env?: Record<string, string>;
  now?: () => Date;
}

/** Why this machine cannot run the browser suite, if it cannot. */
export function consoleSuiteMissing(): string[] {
  const missing = chromiumMissing();
  return missing ? [missing] : [];
}

const VIEWPORT = { width: 1280, height: 860 };

export async function startConsoleWorld(o: ConsoleWorldOptions): Promise<ConsoleWorld> {
  const people: Record<Role, FakeGraphUser> = {
    helpdesk: fakeUser({ displayName: 'Helen Holm', onPremisesSamAccountName: 'helen' }),
    approver: fakeUser({ displayName: 'Megan Moss', onPremisesSamAccountName: 'megan' }),
    admin: fakeUser({ displayName: 'Nestor Nilsen', onPremisesSamAccountName: 'nestor' }),
    nobody: fakeUser({ displayName: 'Alice Andersen', onPremisesSamAccountName: 'alice' }),
  };
  const issuer = await startTestIssuer({ appId: CONSOLE_APP_ID, publicHost: CONSOLE_HOST });
  const host = await startConsoleTestHost({
    issuer,
    people: Object.values(people).map((p) => ({ aadObjectId: p.id, displayName: p.displayName, userPrincipalName: p.userPrincipalName })),
  });
  const env = {
    ...issuer.consoleEnv({ RESETDESK_CONSOLE_FRAME_ANCESTORS: host.origin, RESETDESK_CONSOLE_TRIAL_HOST_URL: host.url }),
    RESETDESK_HELPDESK_GROUP_ID: GROUPS.helpdesk,
    RESETDESK_APPROVER_GROUP_ID: GROUPS.approvers,
    RESETDESK_ADMIN_GROUP_ID: GROUPS.admins,
    RESETDESK_APPROVER_CHANNEL_ID: APPROVER_CHANNEL,
    // Every API call asks Graph: a test that changes a group sees it at once.
    RESETDESK_CONSOLE_ROLE_CACHE_SECONDS: '0',
    ...o.env,
  };
  let journey: JourneyWorld | undefined;
  let bot: BotHarness;
  if (o.directory) {
    journey = await startJourneyWorld(o.engine, { env, ...(o.now ? { now: o.now } : {}) });
    bot = journey.bot;
  } else {
    const signingKey = await newSigningKey();
    bot = await startBotHarness({
      engine: o.engine,
      graph: {},
      env,
      ...(o.now ? { now: o.now } : {}),
      writeback: async (store, logger, metrics) => createWritebackChannel({ store, signingKey, audience: 'resetdesk-console-tests', logger, metrics }),
    });
  }
  for (const p of Object.values(people)) bot.graph.addUser(p);
  bot.graph.addGroup({ id: GROUPS.helpdesk, displayName: 'IT Helpdesk', members: [people.helpdesk.id] });
  bot.graph.addGroup({ id: GROUPS.approvers, displayName: 'ResetDesk Approvers', members: [people.approver.id] });
  bot.graph.addGroup({ id: GROUPS.admins, displayName: 'ResetDesk Admins', members: [people.admin.id] });
  issuer.setTenant(bot.graph.tenantId, bot.graph.authorityHost);
  host.setConsole({ url: `${bot.url}/console`, tenantId: bot.graph.tenantId });
  const browser = await launchChromium();
  const contexts: BrowserContext[] = [];

  const token = (person: FakeGraphUser) => issuer.mint({ oid: person.id, name: person.displayName });

  return {
    bot,
    journey,
    issuer,
    host,
    browser,
    people,
    token,
    async api(path, a = {}) {
      const bearer = a.token !== undefined ? a.token : await token(a.person ?? people.admin);
      const res = await fetch(`${bot.url}/console/api/${path}`, {
        method: a.method ?? 'GET',
        headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...(a.method === 'POST' ? { 'content-type': 'application/json' } : {}) },
        ...(a.method === 'POST' ? { body: JSON.stringify(a.body ?? {}) } : {}),
      });
      const text = await res.text();
      let body: unknown = null;
      try {
        body = JSON.parse(text);
      } catch {
        body = null;
      }
      return { status: res.status, body, headers: res.headers, text };
    },
    async open(person, opts = {}) {
      const context = await browser.newContext({ viewport: VIEWPORT, acceptDownloads: true, reducedMotion: 'reduce' });
      contexts.push(context);
      const page = await context.newPage();
      await page.goto(host.urlFor(person.id, opts.theme ? { theme: opts.theme } : {}));
      const tab = page.frameLocator('#console');
      // Ready when the tabs are shown, or the status says why not.
      await tab.locator('[role="tablist"], #status .message, #status.outside').first().waitFor({ timeout: 30_000 });
      return { page, tab, context };
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
      if (journey) await journey.close();
      else await bot.close();
      await host.close();
      await issuer.close();
    },
  };
}

/**
 * Where screenshots go: bot/console/screenshots/ when RESETDESK_UPDATE_SCREENSHOTS=true
 * (the README shows them; commit them after looking at them), otherwise the
 * suite's artifact folder.
 */
export async function screenshotDir(): Promise<string> {
  const dir = process.env.RESETDESK_UPDATE_SCREENSHOTS === 'true' ? join(__dirname, '..', '..', 'bot', 'console', 'screenshots') : join(__dirname, '.artifacts');
  await mkdir(dir, { recursive: true });
  return dir;
}

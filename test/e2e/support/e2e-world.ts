// The browser suite's setting: the demo's world (started once per spec file,
// on ephemeral ports, beside any running demo), one Chromium, and for each
// test the people it opens in Teams and their inboxes. Every step of a
// journey leaves a screenshot in the test's artifact folder
// (test/e2e/.artifacts/<spec>/<test>/); a failing step also leaves
// screenshots of every open page and the bot's, the agent's and the
// Playgrounds' logs.
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromiumMissing, launchChromium, newLoopbackContext } from '../../support/chromium';
import { accountFacts, canSignIn, type AccountFacts } from '../../../scripts/demo/directory';
import { APPROVER_CHANNEL, DEMO_TEAM, personOf, type PersonKey } from '../../../scripts/demo/people';
import { startWorld, type World } from '../../../scripts/demo/world';
import { InboxPage } from './inbox-page';
import { JourneyRecorder, type Screen } from './journey-recorder';
import { TeamsPage } from './teams-page';

const WORLD_START_MS = 5 * 60_000;

/** What this machine lacks for the browser suite (Chromium, Samba), if anything. */
export function browserSuiteMissing(): string[] {
  const missing: string[] = [];
  const chromium = chromiumMissing();
  if (chromium) missing.push(chromium);
  if (!['/usr/bin/samba-tool', '/usr/sbin/samba-tool'].some((p) => existsSync(p))) {
    missing.push('samba-tool not found: install the Debian packages samba, winbind, samba-ad-provision, samba-dsdb-modules, samba-vfs-modules and attr');
  }
  return missing;
}

/** `describe`, or `describe.skip` naming what is missing when this machine cannot run the browser suite; never under CI=true, where it fails instead. */
export function describeInBrowser(name: string, body: () => void): void {
  const missing = browserSuiteMissing();
  if (missing.length > 0 && process.env.CI !== 'true') {
    describe.skip(`${name} (skipped: ${missing.join('; ')})`, body);
    return;
  }
  describe(name, body);
}

export interface Person {
  key: PersonKey;
  name: string;
  teams: TeamsPage;
  inbox: InboxPage;
}

export interface E2e {
  world: World;
  /** Opens `key`'s Teams (their Playground, in the personal chat unless told otherwise) and their inbox. */
  open(key: PersonKey, opts?: { view?: 'personal' | 'approvers' | 'general' }): Promise<Person>;
  /** One step of a journey: run it, then keep a screenshot of the screen it happened on. */
  step(title: string, on: Person | Screen, action: () => Promise<void>): Promise<void>;
  /** What the DC says about the account now. */
  facts(key: PersonKey): Promise<AccountFacts>;
  canSignIn(key: PersonKey, password: string): Promise<boolean>;
  /** The person's password as far as the suite knows: their start password until a journey changes it. */
  passwordOf(key: PersonKey): string;
  setPasswordOf(key: PersonKey, password: string): void;
}

/**
 * Registers the hooks of a browser spec file and returns its setting, filled
 * in by the time a test runs.
 */
export function useE2e(specFile: string, opts: { people?: PersonKey[] } = {}): E2e {
  const spec = basename(specFile).replace(/\.spec\.ts$/, '');
  let world: World | undefined;
  let browser: Browser | undefined;
  let contexts: BrowserContext[] = [];
  let screens: Array<{ label: string; page: Page }> = [];
  let recorder: JourneyRecorder | undefined;
  const passwords = new Map<PersonKey, string>();

  const need = (): World => {
    if (!world) throw new Error('the world did not start');
    return world;
  };

  beforeAll(async () => {
    const missing = browserSuiteMissing();
    if (missing.length > 0) throw new Error(`the browser suite cannot run here:\n  ${missing.join('\n  ')}`);
    browser = await launchChromium();
    world = await startWorld({ purpose: `browser suite ${spec} (pid ${process.pid})`, ports: 'ephemeral', ...(opts.people ? { people: opts.people } : {}) });
  }, WORLD_START_MS);

  afterAll(async () => {
    await browser?.close();
    await world?.stop();
  }, 120_000);

  beforeEach(async () => {
    recorder = await JourneyRecorder.create(spec, expect.getState().currentTestName ?? 'test', {
      screens: () => screens,
      async logs() {
        const w = need();
        const logs: Record<string, string> = { 'bot.log': w.bot.output(), 'agent.log': w.agent.output() };
        for (const [person, pg] of w.playgrounds) logs[`playground-${person}.log`] = await pg.log();
        return logs;
      },
    });
  });

  afterEach(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    contexts = [];
    screens = [];
  });

  return {
    get world() {
      return need();
    },
    async open(key, o = {}) {
      const w = need();
      const name = personOf(key).displayName;
      const context = await newLoopbackContext(browser!);
      contexts.push(context);
      const teamsPage = await context.newPage();
      const inboxPage = await context.newPage();
      for (const p of [teamsPage, inboxPage]) p.setDefaultTimeout(20_000);
      screens.push({ label: `${name} teams`, page: teamsPage }, { label: `${name} inbox`, page: inboxPage });
      const teams = new TeamsPage(teamsPage, name);
      const inbox = new InboxPage(inboxPage, name, `${w.mailbox.url}/?person=${key}`);
      await teams.open(w.playground(key).url);
      if (o.view === 'approvers') await teams.openChannel(DEMO_TEAM.name, APPROVER_CHANNEL.name);
      else if (o.view === 'general') await teams.openChannel(DEMO_TEAM.name, 'General');
      else await teams.openPersonalChat();
      await inbox.open();
      return { key, name, teams, inbox };
    },
    step(title, on, action) {
      if (!recorder) throw new Error('steps run inside a test');
      return recorder.step(title, 'teams' in on ? on.teams : on, action);
    },
    facts: (key) => accountFacts(need().directory, key),
    canSignIn: (key, password) => canSignIn(need().directory, key, password),
    passwordOf: (key) => passwords.get(key) ?? need().startPasswords[key],
    setPasswordOf: (key, password) => void passwords.set(key, password),
  };
}

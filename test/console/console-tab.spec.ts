// The console tab in a browser, inside a Teams stand-in that speaks the
// teams-js protocol from another origin, signed in with Teams SSO tokens from
// the local test issuer: what each role sees, what is refused, and each view
// doing its work. Each view leaves a screenshot (bot/console/screenshots/ with
// RESETDESK_UPDATE_SCREENSHOTS=true, else test/console/.artifacts/).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import type { Store } from '../../bot/store';
import { dumpAllTables, superuserQuery } from '../../bot/store/testing';
import { fakeUser } from '../support/fake-graph';
import { cardOf, cardText } from '../support/teams-client';
import { addMember, bindResult, canBind, createUser, lockOut, lockoutTimeOf } from '../support/test-directory';
import { codeMailedTo, codeTextedTo } from '../journey/journey-harness';
import { APPROVER_CHANNEL, GROUPS, VIEWS_OF, consoleSuiteMissing, screenshotDir, startConsoleWorld, type ConsoleWorld, type Role } from './console-world';
import { seedAgents, seedFortnight, seedGraphUsers, type Fortnight } from './console-seed';

jest.setTimeout(180_000);

const OTHER_TENANT = '0b1d2e3f-0000-4000-8000-00000000abcd';

const missing = consoleSuiteMissing();
const describeInBrowser = missing.length > 0 && process.env.CI !== 'true' ? describe.skip : describe;

async function shot(page: Page, name: string): Promise<void> {
  await page.locator('#console').screenshot({ path: join(await screenshotDir(), `${name}.png`), animations: 'disabled' });
}

async function tabNames(tab: FrameLocator): Promise<string[]> {
  return tab.getByRole('tab').allTextContents();
}

/** Waits until the view's table shows the answer to the last search. */
async function settled(tab: FrameLocator): Promise<void> {
  await tab.locator('[role="tabpanel"]:not([hidden]) table.grid[aria-busy="false"]').waitFor();
}

async function openView(tab: FrameLocator, name: string): Promise<void> {
  await tab.getByRole('tab', { name }).click();
  await tab.locator(`[role="tabpanel"]:not([hidden])`).first().waitFor();
}

describeInBrowser(`the console tab in Teams${missing.length ? ` (skipped: ${missing.join('; ')})` : ''}`, () => {
  let world: ConsoleWorld;
  let store: Store;
  let offsetMs = 0;
  let fortnight: Fortnight;

  beforeAll(async () => {
    world = await startConsoleWorld({ engine: 'pglite', now: () => new Date(Date.now() + offsetMs) });
    store = world.bot.app.store;
    for (const user of seedGraphUsers()) world.bot.graph.addUser(user);
    await seedAgents(store, world.people.admin.id);
    fortnight = await seedFortnight(store, world.bot.graph.tenantId, { shift: (ms) => (offsetMs = ms) }, world.people.helpdesk.id);
  });
  afterAll(async () => {
    await world?.close();
  });

  it('each role sees its views and no other', async () => {
    const TITLES: Record<string, string> = { helpdesk: 'Helpdesk', approvals: 'Approvals', requests: 'Requests', agents: 'Agents', audit: 'Audit', counts: 'Counts' };
    const expected = Object.fromEntries(Object.entries(VIEWS_OF).map(([role, views]) => [role, views.map((v) => TITLES[v])])) as Record<Role, string[]>;
    for (const role of Object.keys(expected) as Role[]) {
      const { tab, page } = await world.open(world.people[role]);
      // On failure, the status says why (not in Teams, a refused sign-in...).
      const status = role === 'nobody' ? '' : ((await tab.locator('#status').textContent()) ?? '').trim();
      expect({ role, tabs: await tabNames(tab), status }).toEqual({ role, tabs: expected[role], status: '' });
      if (role === 'nobody') await expect(tab.locator('#status').textContent()).resolves.toMatch(/You have no ResetDesk role/);
      else await expect(tab.locator('#signed-in').textContent()).resolves.toContain(world.people[role].displayName);
      // The host heard the tab start and ask for its token, as Teams would.
      expect(await page.evaluate(() => (window as unknown as { hostLog: string[] }).hostLog)).toEqual(expect.arrayContaining(['initialize', 'getContext', 'authentication.getAuthToken']));
      await page.close();
    }
  });

  it('a sign-in from another tenant, for another audience, expired or badly signed shows no data at all', async () => {
    const oid = world.people.admin.id;
    const spoiled: Record<string, () => Promise<string>> = {
      'another tenant': () => world.issuer.mint({ oid, claims: { tid: OTHER_TENANT, iss: `https://login.microsoftonline.com/${OTHER_TENANT}/v2.0` } }),
      'another audience': () => world.issuer.mint({ oid, claims: { aud: 'api://elsewhere.example/00000000-0000-0000-0000-000000000001' } }),
      expired: () => world.issuer.mint({ oid, expiresIn: -3600 }),
      'a bad signature': () => world.issuer.mint({ oid, untrustedKey: true }),
    };
    try {
      for (const [what, make] of Object.entries(spoiled)) {
        world.host.setTokens(make);
        const { tab, page } = await world.open(world.people.admin);
        expect({ what, text: await tab.locator('#status').textContent() }).toEqual({ what, text: expect.stringMatching(/Your sign-in could not be checked/) });
        expect(await tab.getByRole('tab').count()).toBe(0);
        expect(await tab.locator('#views').textContent()).toBe('');
        if (what === 'expired') await shot(page, 'refused-sign-in');
        await page.close();
      }
    } finally {
      world.host.setTokens(null);
    }
  });

  it('outside Teams the page says to open it in Teams, and in dev mode links to the local trial\'s Teams stand-in', async () => {
    const context = await world.browser.newContext();
    const page = await context.newPage();
    await page.goto(`${world.bot.url}/console`);
    const status = page.locator('#status.outside');
    await status.waitFor({ timeout: 20_000 });
    expect(await status.textContent()).toMatch(/Open the ResetDesk console in Microsoft Teams/);
    expect(await status.getByRole('link').getAttribute('href')).toBe(world.host.url);
    expect(await page.getByRole('tab').count()).toBe(0);
    await context.close();
  });

  it('a page on an origin Teams does not use cannot frame the console', async () => {
    const rogue = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(`<!doctype html><iframe id="console" src="${world.bot.url}/console" width="800" height="600"></iframe>`);
    });
    await new Promise<void>((r) => rogue.listen(0, 'localhost', () => r()));
    const context = await world.browser.newContext();
    try {
      const page = await context.newPage();
      const blocked = page.waitForEvent('console', { predicate: (m) => /frame-ancestors/.test(m.text()), timeout: 20_000 });
      await page.goto(`http://localhost:${(rogue.address() as AddressInfo).port}/`);
      await blocked;
      const frame = page.frames().find((f) => f !== page.mainFrame());
      expect(await frame?.evaluate(() => Boolean(document.getElementById('app'))).catch(() => false)).toBe(false);
    } finally {
      await context.close();
      await new Promise<void>((r) => rogue.close(() => r()));
    }
  });

  it('the helpdesk finds a caller, and is told at once when their account is not one it can act on', async () => {
    world.bot.graph.addUser(fakeUser({ displayName: 'Cleo Cloud', jobTitle: 'Designer', onPremisesSyncEnabled: null, onPremisesSecurityIdentifier: null, onPremisesSamAccountName: null }));
    const { tab, page } = await world.open(world.people.helpdesk);
    await openView(tab, 'Helpdesk');
    await tab.getByRole('searchbox', { name: 'Find a person' }).fill('Cleo');
    await tab.getByRole('button', { name: 'Search' }).click();
    await tab.getByRole('button', { name: /Cleo Cloud/ }).click();
    const restriction = tab.locator('[data-restriction]');
    await restriction.waitFor();
    expect(await restriction.getAttribute('data-restriction')).toBe('HELPDESK_NOT_ELIGIBLE');
    expect(await restriction.textContent()).toMatch(/Cleo Cloud has a cloud-only account/);
    // Nothing to start: no ticket, no verification.
    expect(await tab.getByRole('button', { name: 'Start' }).count()).toBe(0);
    expect(await tab.getByRole('textbox', { name: 'Ticket number' }).count()).toBe(0);
    await page.close();
  });

  it('an approver sees what waits for them: who asked, for which account, why, the checks passed and the deadline', async () => {
    const { tab, page } = await world.open(world.people.approver);
    const cards = tab.locator('article.card');
    await cards.first().waitFor();
    expect(await cards.count()).toBe(2);
    const [first, second] = [cards.nth(0), cards.nth(1)];
    // Soonest deadline first.
    const priya = (await first.textContent())!;
    expect(priya).toMatch(/Unlock for Priya Patel \(priya\)/);
    expect(priya).toMatch(/Asked by\s*Helen Holm \(helpdesk\)/);
    expect(priya).toMatch(/Member of Enterprise Admins through Tier0 Operators/);
    expect(priya).toMatch(/in [89] min/);
    const diego = (await second.textContent())!;
    expect(diego).toMatch(/Password reset for Diego Dahl \(diego\)/);
    expect(diego).toMatch(/Asked by\s*Diego Dahl \(diego@contoso\.test\)/);
    expect(diego).toMatch(/Member of Domain Admins/);
    expect(diego).toMatch(/code by e-mail to d•••@home\.example/);
    expect(diego).toMatch(/code by text message to \+1 •••• ••01 03/);
    expect(diego).toMatch(/in 2[34] min/);
    await second.getByRole('button', { name: 'Deny…' }).click();
    await second.getByRole('button', { name: 'Deny with this reason' }).click();
    await expect(second.getByRole('alert').textContent()).resolves.toMatch(/Say why you deny it/);
    expect(second.getByRole('textbox', { name: /Reason for denying/ })).toBeTruthy();
    await shot(page, 'approvals');
    await page.close();
  });

  it('requests: every request, filtered by state, person and kind, and one request\'s timeline', async () => {
    const { tab, page } = await world.open(world.people.admin);
    await openView(tab, 'Requests');
    const rows = tab.locator('tbody tr[data-request]');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(50);
    await expect(tab.getByRole('button', { name: 'Show more' }).isVisible()).resolves.toBe(true);

    await tab.getByLabel('State').selectOption('awaiting_approval');
    await tab.getByRole('searchbox', { name: 'Person' }).fill('diego');
    await tab.getByRole('button', { name: 'Show requests' }).click();
    await settled(tab);
    expect(await tab.locator('.summary').textContent()).toBe('1 request.');
    expect(await rows.count()).toBe(1);
    await rows.first().getByRole('button', { name: /Timeline of the reset for Diego Dahl/ }).click();
    const timeline = tab.locator('.timeline li');
    await timeline.first().waitFor();
    expect(await timeline.allTextContents()).toEqual([
      expect.stringMatching(/request\.created by Diego Dahl \(user\)/),
      expect.stringMatching(/approval\.requested by Diego Dahl \(user\)/),
    ]);

    await tab.getByLabel('State').selectOption('');
    await tab.getByRole('searchbox', { name: 'Person' }).fill('');
    await tab.getByLabel('Kind').selectOption('unlock');
    await tab.getByRole('button', { name: 'Show requests' }).click();
    await settled(tab);
    const kinds = await tab.locator('tbody tr[data-request] td:nth-child(2)').allTextContents();
    expect(kinds.length).toBeGreaterThan(5);
    expect(kinds.every((k) => k.startsWith('unlock'))).toBe(true);
    await tab.getByLabel('Kind').selectOption('');
    await tab.getByRole('searchbox', { name: 'Person' }).fill('diego');
    await tab.getByRole('button', { name: 'Show requests' }).click();
    await settled(tab);
    await rows.first().getByRole('button', { name: /Timeline/ }).click();
    await timeline.first().waitFor();
    await shot(page, 'requests');
    await page.close();
  });

  it('agents: name, key thumbprint, version, last seen, jobs and errors in the last hour; confirm a new one and revoke it', async () => {
    const { tab, page } = await world.open(world.people.admin);
    await openView(tab, 'Agents');
    const working = tab.locator('tr', { has: tab.getByRole('rowheader', { name: 'dc1-agent' }) });
    await working.waitFor();
    const cells = await working.locator('td').allTextContents();
    expect(cells[0]).toMatch(/^[0-9A-Za-z:_-]{8,}$/);
    expect(cells.slice(1, 3)).toEqual(['active', '1.4.2']);
    expect(cells[3]).toMatch(/ago/);
    expect(cells[4]).toMatch(/OU=Staff,DC=contoso,DC=test/);
    expect(cells[5]).toBe('not reported');
    expect(cells[6]).toMatch(/^5 jobs, 1 failedlast: AGENT_DIRECTORY_UNAVAILABLE, (less than a minute|\d+ min) ago$/);
    await shot(page, 'agents');

    const waiting = tab.locator('tr', { has: tab.getByRole('rowheader', { name: 'dc2-agent' }) });
    expect(await waiting.locator('td').nth(1).textContent()).toBe('waiting for confirmation');
    await waiting.getByRole('button', { name: 'Confirm agent dc2-agent' }).click();
    await tab.locator('.message.ok', { hasText: 'Agent dc2-agent is confirmed' }).waitFor();
    await waiting.locator('td').nth(1).filter({ hasText: 'active' }).waitFor();
    const confirmed = (await store.listAgents()).find((a) => a.name === 'dc2-agent')!;
    expect(confirmed.confirmedBy).toBe(world.people.admin.id);

    await waiting.getByRole('button', { name: 'Revoke agent dc2-agent' }).click();
    // Revoking takes a second, explicit click; Cancel leaves it as it was.
    await waiting.getByRole('button', { name: 'Cancel' }).click();
    expect((await store.getAgent(confirmed.id))!.revokedAt).toBeNull();
    await waiting.getByRole('button', { name: 'Revoke agent dc2-agent' }).click();
    await waiting.getByRole('button', { name: 'Revoke dc2-agent' }).click();
    await tab.locator('.message.ok', { hasText: 'Agent dc2-agent is revoked' }).waitFor();
    expect((await store.getAgent(confirmed.id))!.revokedAt).not.toBeNull();
    await page.close();
  });

  it('an enrollment code is shown once: gone from the page when hidden, in no later answer, only its hash stored', async () => {
    const { tab, page } = await world.open(world.people.admin);
    await openView(tab, 'Agents');
    await tab.getByRole('button', { name: 'Issue an enrollment code' }).click();
    const shown = tab.locator('#enrollment-code');
    await shown.waitFor();
    const code = (await shown.textContent())!.trim();
    expect(code.length).toBeGreaterThanOrEqual(16);
    await shot(page, 'agents-enrollment-code');
    await tab.getByRole('button', { name: /hide the code/ }).click();
    expect(await shown.count()).toBe(0);
    const frame = page.frame({ url: /\/console/ })!;
    expect(await frame.evaluate(() => document.documentElement.outerHTML)).not.toContain(code);
    await openView(tab, 'Audit');
    await openView(tab, 'Agents');
    expect(await frame.evaluate(() => document.documentElement.outerHTML)).not.toContain(code);
    for (const path of ['agents', 'audit', 'requests']) expect((await world.api(path)).text).not.toContain(code);
    expect(await dumpAllTables(store)).not.toContain(code);
    // It works, once.
    await store.consumeEnrollmentCode(code);
    await expect(store.consumeEnrollmentCode(code)).rejects.toMatchObject({ code: 'ENROLL_CODE_USED' });
    await page.close();
  });

  it('audit: the chain verifies from the page, and a row altered in the database is found where it breaks', async () => {
    const { tab, page } = await world.open(world.people.admin);
    await openView(tab, 'Audit');
    await tab.locator('tbody tr[data-seq]').first().waitFor();
    await tab.getByRole('button', { name: 'Verify the hash chain' }).click();
    await tab.locator('[data-chain="ok"]').waitFor();
    expect(await tab.locator('[data-chain="ok"]').textContent()).toMatch(/The chain holds: all \d+ entries/);

    const [target] = await store.searchAudit({ action: 'approval.requested', limit: 1 });
    const bypass = async (sql: string, params: unknown[]) => {
      await superuserQuery(store, 'ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
      try {
        await superuserQuery(store, sql, params);
      } finally {
        await superuserQuery(store, 'ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only');
      }
    };
    await bypass(`UPDATE audit_log SET action = 'approval.granted' WHERE seq = $1`, [target!.seq]);
    try {
      await tab.getByRole('button', { name: 'Verify the hash chain' }).click();
      const broken = tab.locator('[data-chain="broken"]');
      await broken.waitFor();
      expect(await broken.getAttribute('data-broken-at')).toBe(String(target!.seq));
      expect(await broken.textContent()).toMatch(new RegExp(`breaks at entry #${target!.seq}: its content no longer matches its hash`));
      // The list shows the entry as it reads now, marked.
      const row = tab.locator(`tr.broken[data-seq="${target!.seq}"]`);
      await row.waitFor();
      expect(await row.locator('td').nth(3).textContent()).toBe('approval.granted');
      await shot(page, 'audit-broken-chain');
    } finally {
      await bypass(`UPDATE audit_log SET action = $2 WHERE seq = $1`, [target!.seq, target!.action]);
    }
    expect((await store.verifyAuditChain()).ok).toBe(true);
    await page.close();
  });

  it('audit: filtered browsing, and exports as JSON Lines and CSV of what the filters select', async () => {
    const { tab, page } = await world.open(world.people.admin);
    await openView(tab, 'Audit');
    await tab.getByRole('textbox', { name: 'Action' }).fill('agent');
    await tab.getByRole('button', { name: 'Show entries' }).click();
    await settled(tab);
    const actions = await tab.locator('tbody tr[data-seq] td:nth-child(4)').allTextContents();
    expect(actions.length).toBeGreaterThan(2);
    expect(actions.every((a) => a.startsWith('agent.'))).toBe(true);
    await shot(page, 'audit');

    for (const [button, ext] of [['Export JSON Lines', 'jsonl'], ['Export CSV', 'csv']] as const) {
      const [download] = await Promise.all([page.waitForEvent('download'), tab.getByRole('button', { name: button }).click()]);
      expect(download.suggestedFilename()).toMatch(new RegExp(`^resetdesk-audit-.*\\.${ext}$`));
      const text = await readFile((await download.path())!, 'utf8');
      if (ext === 'jsonl') {
        const lines = text.trim().split('\n').map((l) => JSON.parse(l) as { action: string });
        expect(lines.map((l) => l.action).sort()).toEqual([...actions].sort());
      } else {
        expect(text.split('\r\n')[0]).toBe('seq,at,actor_kind,actor_id,action,request_id,details,prev_hash,hash');
        expect(text.trim().split('\r\n')).toHaveLength(actions.length + 1);
      }
    }
    await page.close();
  });

  it('counts: resets today, locked-out people helped and what did not succeed, by reason, from the store', async () => {
    const { tab, page } = await world.open(world.people.admin);
    await openView(tab, 'Counts');
    const tiles = tab.locator('.tile');
    await tiles.first().waitFor();
    expect(await tiles.allTextContents()).toEqual([
      `${fortnight.today.resets}passwords reset today`,
      `${fortnight.today.peopleUnlocked}locked-out people helped today`,
      `${fortnight.today.unsuccessful}requests that did not succeed today`,
    ]);
    // The charts' numbers, as a screen reader reads them.
    const reasons = tab.locator('figure', { hasText: 'Why requests did not succeed' }).locator('table tbody tr');
    const read = Object.fromEntries((await reasons.allTextContents()).map((t) => [t.replace(/\d+$/, ''), Number(/\d+$/.exec(t)![0])]));
    expect(read).toEqual(Object.fromEntries(Object.entries(fortnight.unsuccessfulByReason).map(([code, n]) => [code.toLowerCase().replace(/_/g, ' '), n])));
    expect(await tab.locator('figure svg.chart').count()).toBe(4);
    await shot(page, 'counts');
    await page.close();
  });

  it('follows Teams\' theme: light, then dark and high contrast when Teams switches', async () => {
    const { tab, page } = await world.open(world.people.admin);
    const frame = page.frame({ url: /\/console/ })!;
    const look = () => frame.evaluate(() => ({ theme: document.body.dataset.theme, background: getComputedStyle(document.body).backgroundColor }));
    expect(await look()).toEqual({ theme: 'default', background: 'rgb(245, 245, 245)' });
    await page.selectOption('#theme', 'dark');
    await frame.waitForFunction(() => document.body.dataset.theme === 'dark');
    expect(await look()).toEqual({ theme: 'dark', background: 'rgb(31, 31, 31)' });
    await openView(tab, 'Counts');
    await tab.locator('.tile').first().waitFor();
    await shot(page, 'counts-dark');
    await page.selectOption('#theme', 'contrast');
    await frame.waitForFunction(() => document.body.dataset.theme === 'contrast');
    expect(await look()).toEqual({ theme: 'contrast', background: 'rgb(0, 0, 0)' });
    await page.close();
    // A tab opened while Teams is dark starts dark.
    const dark = await world.open(world.people.approver, { theme: 'dark' });
    expect(await dark.page.frame({ url: /\/console/ })!.evaluate(() => document.body.dataset.theme)).toBe('dark');
    await dark.page.close();
  });

  it('is usable with the keyboard alone, and every control has a label', async () => {
    const everyone = { ...world.people.admin, id: world.people.admin.id };
    // Someone with every role sees every view.
    world.bot.graph.addGroup({ id: GROUPS.helpdesk, members: [world.people.helpdesk.id, everyone.id] });
    world.bot.graph.addGroup({ id: GROUPS.approvers, members: [world.people.approver.id, everyone.id] });
    try {
      const { tab, page } = await world.open(everyone);
      expect(await tabNames(tab)).toEqual(['Helpdesk', 'Approvals', 'Requests', 'Agents', 'Audit', 'Counts']);
      const frame = page.frame({ url: /\/console/ })!;
      // Into the tab strip with Tab, along it with the arrow keys, Home and End.
      await frame.focus('[role="tab"][aria-selected="true"]');
      const focused = () => frame.evaluate(() => document.activeElement?.textContent ?? '');
      await page.keyboard.press('ArrowRight');
      expect(await focused()).toBe('Approvals');
      await page.keyboard.press('End');
      expect(await focused()).toBe('Counts');
      await page.keyboard.press('Home');
      expect(await focused()).toBe('Helpdesk');
      await page.keyboard.press('ArrowLeft');
      expect(await focused()).toBe('Counts');
      expect(await tab.locator('[role="tab"][aria-selected="true"]').textContent()).toBe('Counts');
      // The selected tab is the only tab stop; Tab moves on into its panel.
      expect(await frame.evaluate(() => [...document.querySelectorAll('[role="tab"]')].map((t) => (t as HTMLElement).tabIndex))).toEqual([-1, -1, -1, -1, -1, 0]);
      await page.keyboard.press('Tab');
      expect(await frame.evaluate(() => document.activeElement?.getAttribute('role'))).toBe('tabpanel');

      for (const view of ['Helpdesk', 'Approvals', 'Requests', 'Agents', 'Audit', 'Counts']) {
        await openView(tab, view);
        await page.waitForTimeout(300);
        const unlabelled = await frame.evaluate(() =>
          [...document.querySelectorAll('[role="tabpanel"]:not([hidden]) :is(input, select, textarea, button)')]
            .filter((el) => {
              const control = el as HTMLInputElement;
              if (el.tagName === 'BUTTON') return !(el.textContent?.trim() || el.getAttribute('aria-label'));
              return !((control.labels?.length ?? 0) > 0 || el.getAttribute('aria-label'));
            })
            .map((el) => el.outerHTML.slice(0, 80)),
        );
        expect({ view, unlabelled }).toEqual({ view, unlabelled: [] });
      }
      // Results are announced politely.
      expect(await frame.evaluate(() => document.getElementById('announcer')?.getAttribute('aria-live'))).toBe('polite');
      await page.close();
    } finally {
      world.bot.graph.addGroup({ id: GROUPS.helpdesk, members: [world.people.helpdesk.id] });
      world.bot.graph.addGroup({ id: GROUPS.approvers, members: [world.people.approver.id] });
    }
  });
});

// What crosses into AD and the channel card: a Samba DC and a real agent behind the service.
describeInBrowser('the console tab against a domain controller', () => {
  let world: ConsoleWorld;

  beforeAll(async () => {
    // A reset's temporary password is shown once to the helpdesk member (the service's setting; the default sends it to the person).
    world = await startConsoleWorld({ engine: 'pglite', directory: true, env: { RESETDESK_HELPDESK_TEMPORARY_PASSWORD: 'reveal-once' } });
  });
  afterAll(async () => {
    await world?.close();
  });

  /** Finds the person in the Helpdesk view and opens their account. */
  async function openAccount(tab: FrameLocator, name: string): Promise<void> {
    await openView(tab, 'Helpdesk');
    await tab.getByRole('searchbox', { name: 'Find a person' }).fill(name.split(' ')[0]!);
    await tab.getByRole('button', { name: 'Search' }).click();
    await tab.getByRole('button', { name: new RegExp(name) }).click();
    await tab.locator('dl.facts', { hasText: 'Locked out' }).waitFor();
  }

  /** Step 1, chosen before the caller is verified: the ticket and what to do. */
  async function startRequest(tab: FrameLocator, ticket: string, kind: 'unlock' | 'reset'): Promise<void> {
    await tab.getByRole('textbox', { name: 'Ticket number' }).fill(ticket);
    await tab.getByLabel('What to do', { exact: true }).selectOption(kind);
    await tab.getByRole('button', { name: 'Start' }).click();
  }

  /** Step 2: how the caller is checked. */
  async function choose(tab: FrameLocator, method: string): Promise<void> {
    await tab.getByLabel('How', { exact: true }).selectOption(method);
    await tab.getByRole('button', { name: 'Send' }).click();
  }

  async function enterCode(tab: FrameLocator, code: string): Promise<void> {
    const input = tab.getByRole('textbox', { name: 'Code the caller read' });
    await input.fill(code);
    await tab.getByRole('button', { name: 'Check the code' }).click();
  }

  const stepMessage = (tab: FrameLocator) => tab.locator('.step-message');
  /** The helpdesk panel only (the screen reader's announcer repeats some of its words). */
  const panel = (tab: FrameLocator) => tab.locator('[role="tabpanel"]:not([hidden])');

  it('a helpdesk unlock done in the tab reaches the Samba DC; a wrong code first is counted and said', async () => {
    const journey = world.journey!;
    const { account, graph } = await journey.person('hd', { displayName: 'Hanna Locked' });
    await lockOut(journey.dir, account.userPrincipalName);
    expect(await lockoutTimeOf(journey.admin, account.dn)).not.toBe('0');

    const { tab, page } = await world.open(world.people.helpdesk);
    await openAccount(tab, 'Hanna Locked');
    expect(await tab.locator('dl.facts').textContent()).toMatch(/Locked out\s*yes/);
    // An ordinary account: no approver needed, so nothing says so.
    expect(await tab.locator('[data-approvals]').count()).toBe(0);
    await startRequest(tab, 'INC-4242', 'unlock');
    // The request exists now, and its ticket and kind are fixed.
    await tab.getByLabel('How', { exact: true }).waitFor();
    expect(await tab.getByLabel('What to do', { exact: true }).isDisabled()).toBe(true);
    await choose(tab, 'email');
    const code = await waitForCode(() => codeMailedTo(world.bot, graph.emailMethods![0]!));
    await enterCode(tab, code === '000000' ? '111111' : '000000');
    await stepMessage(tab).getByText(/That code is not right\. \d+ tries left\./).waitFor();
    await shot(page, 'helpdesk');
    await enterCode(tab, code);
    await tab.locator('.message.ok', { hasText: 'Done: the account is unlocked.' }).waitFor({ timeout: 60_000 });
    expect(await lockoutTimeOf(journey.admin, account.dn)).toBe('0');
    const [request] = await world.bot.app.store.listRequests({ tenantId: world.bot.graph.tenantId, person: graph.id });
    expect(request).toMatchObject({ kind: 'unlock', state: 'succeeded', ticket: 'INC-4242', requestedBy: world.people.helpdesk.id });
    await page.close();
  });

  it('a temporary password is shown once, to the helpdesk member who started the reset, and works on the DC', async () => {
    const journey = world.journey!;
    const { account, graph } = await journey.person('tp', { displayName: 'Tomas Temp' });
    const { tab, page } = await world.open(world.people.helpdesk);
    await openAccount(tab, 'Tomas Temp');
    await startRequest(tab, 'INC-4343', 'reset');
    await choose(tab, 'email');
    await enterCode(tab, await waitForCode(() => codeMailedTo(world.bot, graph.emailMethods![0]!)));
    await tab.getByRole('button', { name: 'Show the temporary password (once)' }).click({ timeout: 60_000 });
    const shown = tab.locator('#temporary-password');
    const password = (await shown.textContent())!.trim();
    expect(password.length).toBeGreaterThanOrEqual(12);
    await shot(page, 'helpdesk-temporary-password');
    // Set on the DC with "change at next sign-in": AD accepts it and asks for a new one (data 773), and the old one is gone.
    expect(await bindResult(journey.dir, account.userPrincipalName, password)).toMatch(/data 773/);
    expect(await canBind(journey.dir, account.userPrincipalName, account.password)).toBe(false);
    await tab.getByRole('button', { name: /hide it/ }).click();
    expect(await shown.count()).toBe(0);
    const frame = page.frame({ url: /\/console/ })!;
    expect(await frame.evaluate(() => document.documentElement.outerHTML)).not.toContain(password);
    const [request] = await world.bot.app.store.listRequests({ tenantId: world.bot.graph.tenantId, person: graph.id, kinds: ['reset'] });
    const again = await world.api(`helpdesk/requests/${request!.id}/reveal`, { person: world.people.helpdesk, method: 'POST' });
    expect(again).toMatchObject({ status: 410, body: { code: 'HELPDESK_REVEAL_USED' } });
    expect(again.text).not.toContain(password);
    // Picked up again, the request says it is done and offers nothing more to show.
    expect((await world.api(`helpdesk/requests/${request!.id}`, { person: world.people.helpdesk })).body).toMatchObject({ state: 'succeeded', revealAvailable: false, next: null });
    expect(await dumpAllTables(world.bot.app.store)).not.toContain(password);
    expect(world.bot.logs()).not.toContain(password);
    await page.close();
  });

  it('a privileged account: the owner confirms in Teams while the tab waits, one more check follows, then an approver, then the unlock', async () => {
    const journey = world.journey!;
    const account = await createUser(journey.dir, journey.admin, `bo${Date.now().toString(36).slice(-6)}`, journey.dir.staffOu);
    await addMember(journey.admin, `CN=Backup Operators,CN=Builtin,${journey.dir.dc.baseDn}`, account.dn);
    const graph = await journey.twinOf(account, { displayName: 'Bea Backup' });
    await lockOut(journey.dir, account.userPrincipalName);
    const owner = world.bot.client(graph);
    // The bot can reach the owner in Teams once they have talked to it.
    await owner.say('hi');

    const { tab, page } = await world.open(world.people.helpdesk);
    await openAccount(tab, 'Bea Backup');
    expect(await tab.locator('[data-approvals="1"]').textContent()).toMatch(/^An approver must approve first: .*member of Backup Operators/);
    await startRequest(tab, 'INC-4444', 'unlock');
    await panel(tab).getByText('Check 1 of 2').waitFor();
    await choose(tab, 'person');
    await panel(tab).getByText('Waiting for Bea Backup to confirm in Teams…').waitFor();
    const asked = await world.bot.connector.waitFor((a) => a.conversationId === owner.conversationId && /Is that you on the phone\?/.test(cardText(cardOf(a))));
    await owner.click(cardOf(asked)!, 'caller.confirm', {}, asked.assignedId);
    // The tab, polling, gets the next step with a token of its own.
    await panel(tab).getByText('One more check (2 of 2)').waitFor({ timeout: 20_000 });
    const offered = await tab.getByLabel('How', { exact: true }).locator('option').evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value));
    expect(offered).not.toContain('person');
    await choose(tab, 'email');
    await enterCode(tab, await waitForCode(() => codeMailedTo(world.bot, graph.emailMethods![0]!)));
    await panel(tab).getByText('Waiting for an approver…').waitFor({ timeout: 20_000 });

    const [request] = await world.bot.app.store.listRequests({ tenantId: world.bot.graph.tenantId, person: graph.id });
    expect(request).toMatchObject({ state: 'awaiting_approval', approvalsRequired: 1, methodsPassed: ['person', 'email'] });
    const approved = await world.api(`approvals/${request!.id}/decision`, { person: world.people.approver, method: 'POST', body: { outcome: 'approved' } });
    expect(approved).toMatchObject({ status: 200, body: { refused: null } });
    await tab.locator('.message.ok', { hasText: 'Done: the account is unlocked.' }).waitFor({ timeout: 60_000 });
    expect(await lockoutTimeOf(journey.admin, account.dn)).toBe('0');
    await page.close();
  });

  it('an approval in the tab and a deny on the channel card at the same moment make exactly one decision, and the loser is told', async () => {
    const journey = world.journey!;
    // Privileged but not tier 0: one approver decides it, so two approvers acting at once really do race.
    const account = await createUser(journey.dir, journey.admin, `ra${Date.now().toString(36).slice(-6)}`, journey.dir.staffOu);
    await addMember(journey.admin, `CN=Account Operators,CN=Builtin,${journey.dir.dc.baseDn}`, account.dn);
    const owner = await journey.twinOf(account, { displayName: 'Rafael Race' });
    const second = fakeUser({ displayName: 'Second Approver', onPremisesSyncEnabled: null, onPremisesSecurityIdentifier: null });
    world.bot.graph.addUser(second);
    world.bot.graph.addGroup({ id: GROUPS.approvers, members: [world.people.approver.id, second.id] });
    try {
      const client = world.bot.client(owner);
      const menu = await client.say('reset');
      const choose = await client.click(menu.card, 'menu.reset', {}, menu.activityId);
      const email = await client.click(choose.card!, 'verify.chooseMethod', { method: 'email' }, menu.activityId);
      const next = await client.click(email.card!, 'verify.submitCode', { code: codeMailedTo(world.bot, owner.emailMethods![0]!) }, menu.activityId);
      const sms = await client.click(next.card!, 'verify.chooseMethod', { method: 'sms' }, menu.activityId);
      await client.click(sms.card!, 'verify.submitCode', { code: codeTextedTo(world.bot, owner.phoneMethods![0]!.number.replace(/\s/g, '')) }, menu.activityId);
      const posted = await world.bot.connector.waitFor((a) => a.method === 'POST' && a.conversationId === APPROVER_CHANNEL && /Rafael Race/.test(cardText(cardOf(a))));
      const [request] = await world.bot.app.store.listRequests({ tenantId: world.bot.graph.tenantId, person: owner.id });
      expect(request).toMatchObject({ state: 'awaiting_approval', approvalsRequired: 1 });

      const { tab, page } = await world.open(world.people.approver);
      const card = tab.locator('article.card', { hasText: 'Rafael Race' });
      await card.waitFor();
      const [, denied] = await Promise.all([
        card.getByRole('button', { name: 'Approve' }).click(),
        world.bot.client(second, { channelId: APPROVER_CHANNEL }).click(cardOf(posted)!, 'approval.deny', { reason: 'Rafael is on leave; call security.' }, posted.assignedId),
      ]);
      const result = card.locator('.result .message');
      await result.waitFor({ timeout: 30_000 });
      // Read at once: after a recorded decision the list reloads, and the card leaves it.
      const said = { text: await result.textContent(), alert: await result.getAttribute('role') };

      const approvals = await world.bot.app.store.listApprovals(request!.id);
      expect(approvals).toHaveLength(1);
      const decisions = (await world.bot.app.store.searchAudit({ requestId: request!.id, action: 'approval' })).filter((e) => ['approval.approved', 'approval.recorded', 'approval.denied'].includes(e.action));
      expect(decisions).toHaveLength(1);
      const tabWon = approvals[0]!.approverAadId === world.people.approver.id;
      expect(decisions[0]!.action).toBe(tabWon ? 'approval.approved' : 'approval.denied');
      const cardAnswer = denied.body as { type?: string; value?: unknown };
      if (tabWon) {
        // The card's click lost: only its clicker is told, in a private message; the tab says it was approved.
        expect(cardAnswer).toMatchObject({ type: 'application/vnd.microsoft.activity.message', value: expect.stringMatching(/already decided|at the same moment/) });
        expect(said).toEqual({ text: 'Approved.', alert: null });
      } else {
        // The tab's click lost: an alert says so, and the card shows the deny.
        expect(said).toEqual({ text: expect.stringMatching(/already decided|at the same moment/), alert: 'alert' });
        expect(cardText(denied.card)).toMatch(/Denied by\W+Second Approver/);
      }
      await page.close();
    } finally {
      world.bot.graph.addGroup({ id: GROUPS.approvers, members: [world.people.approver.id] });
    }
  });
});


/** A code is mailed or texted right after the click that asked for it: the page's answer may come first. */
async function waitForCode(read: () => string, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return read();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

// `npm run demo` as a newcomer meets it: it starts with nothing to configure,
// prints the pages to open, lets them reset Alice's password by reading the
// code on the printed mailbox page, opens the printed console link as the
// sample admin and helpdesk person, and Ctrl-C (SIGINT to its process group,
// as a terminal sends it) leaves nothing running, also in the middle of the
// start. Without Samba it names the packages to install and starts nothing.
import { spawn, type ChildProcess } from 'node:child_process';
import type { BrowserContext, FrameLocator, Page } from 'playwright-core';
import { createServer } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { launchChromium, newLoopbackContext } from '../support/chromium';
import { isPortFree } from '../../scripts/demo/ports';
import { SAMBA_DC_PACKAGES } from '../../scripts/demo/preflight';
import { SAMPLE_PEOPLE } from '../../scripts/demo/people';
import { InboxPage } from './support/inbox-page';
import { JourneyRecorder } from './support/journey-recorder';
import { TeamsPage } from './support/teams-page';
import { describeInBrowser } from './support/e2e-world';

jest.setTimeout(360_000);

const REPO = resolve(__dirname, '../..');

interface DemoRun {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  /** Resolves once a line matching `re` was printed; fails if the demo exits first. */
  waitFor(re: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
}

/** The demo exactly as `npm run demo` runs it, in a process group of its own (a terminal's Ctrl-C reaches the whole group). */
function runDemo(args: string[], env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME }): DemoRun {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'scripts/demo.ts'), ...args], { cwd: REPO, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString('utf8')));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    child,
    output: () => out,
    exited,
    async waitFor(re, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = re.exec(out);
        if (m) return m;
        if (child.exitCode !== null) throw new Error(`the demo exited (${child.exitCode}) before printing ${re}:\n${out}`);
        if (Date.now() > deadline) throw new Error(`the demo did not print ${re} within ${timeoutMs / 1000} s:\n${out}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    },
  };
}

/** Every process below `pid` right now. */
async function descendantsOf(pid: number): Promise<number[]> {
  const found: number[] = [];
  const walk = async (p: number): Promise<void> => {
    const tasks = await readdir(`/proc/${p}/task`).catch(() => [] as string[]);
    for (const t of tasks) {
      const children = await readFile(`/proc/${p}/task/${t}/children`, 'utf8').catch(() => '');
      for (const c of children.split(/\s+/).filter(Boolean).map(Number)) {
        found.push(c);
        await walk(c);
      }
    }
  };
  await walk(pid);
  return found;
}

function readProcStatus(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return '';
  }
}

/** Running, not a zombie waiting to be reaped. */
const alive = (pid: number): boolean => existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readProcStatus(pid));

interface DemoPorts {
  bot: number;
  mailbox: number;
  firstPlayground: number;
  console: number;
}

/** Ports for one demo: a bot port, a mailbox port, a free run of one Playground port per person, and the console's Teams stand-in. */
async function freeDemoPorts(): Promise<DemoPorts> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const ports = Array.from({ length: SAMPLE_PEOPLE.length + 3 }, (_, i) => base + i);
    if ((await Promise.all(ports.map(isPortFree))).every(Boolean)) {
      return { bot: base, mailbox: base + 1, firstPlayground: base + 2, console: base + 2 + SAMPLE_PEOPLE.length };
    }
  }
  throw new Error('no free run of ports found');
}

const portArgs = (p: DemoPorts): string[] => [
  '--bot-port', String(p.bot), '--mailbox-port', String(p.mailbox), '--first-playground-port', String(p.firstPlayground), '--console-port', String(p.console),
];

/** Every port the demo listens on with these settings. */
const demoPortList = (p: DemoPorts): number[] => [p.bot, p.mailbox, ...SAMPLE_PEOPLE.map((_, i) => p.firstPlayground + i), p.console];

/** The printed console link, signed in as `person` (picked by name at the top), with the console open: its tabs shown. */
async function openConsoleAs(context: BrowserContext, consoleUrl: string, person: string): Promise<{ page: Page; tab: FrameLocator }> {
  const page = await context.newPage();
  await page.goto(consoleUrl);
  const signedInAs = page.getByLabel('Signed in as');
  const label = (await signedInAs.locator('option').allTextContents()).find((o) => o.startsWith(`${person} (`));
  if (!label) throw new Error(`${person} is not among the people of ${consoleUrl}`);
  await signedInAs.selectOption({ label });
  await page.getByRole('button', { name: 'Open the console' }).click();
  const tab = page.frameLocator('#console');
  await tab.getByRole('tablist').waitFor({ timeout: 30_000 });
  return { page, tab };
}

/** What a demo process left in the temp folder: its working folder (named after its pid) and DC address locks it holds. */
async function leftoversOf(pid: number): Promise<string[]> {
  const left: string[] = [];
  for (const name of await readdir(tmpdir())) {
    if (name.startsWith(`resetdesk-demo-${pid}-`)) left.push(name);
    if (name.startsWith('resetdesk-samba-dc-') && (await readFile(join(tmpdir(), name, 'owner'), 'utf8').catch(() => '')) === String(pid)) left.push(name);
  }
  return left;
}

const commandLineOf = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
};

/**
 * Sends Ctrl-C to the demo's process group, watching every process below it
 * until it has exited; returns them all (pid and command line).
 */
async function ctrlC(demo: DemoRun): Promise<{ code: number | null; seen: number[]; commands: string[] }> {
  const pid = demo.child.pid!;
  const seen = new Map<number, string>();
  const look = async () => {
    for (const p of await descendantsOf(pid)) if (!seen.has(p)) seen.set(p, commandLineOf(p));
  };
  await look();
  process.kill(-pid, 'SIGINT');
  let exitCode: number | null | undefined;
  void demo.exited.then((c) => (exitCode = c));
  const deadline = Date.now() + 90_000;
  while (exitCode === undefined) {
    await look();
    if (Date.now() > deadline) throw new Error(`the demo did not stop within 90 s after Ctrl-C:\n${demo.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { code: exitCode, seen: [...seen.keys()], commands: [...seen.values()] };
}

/** How many of the processes seen run `what`. */
const running = (commands: string[], what: RegExp): number => commands.filter((c) => what.test(c)).length;

async function expectNothingLeft(demo: DemoRun, seen: number[], ports: number[]): Promise<void> {
  // Processes get a moment to be reaped after their parent saw them stop.
  for (let i = 0; i < 50 && seen.some(alive); i++) await new Promise((r) => setTimeout(r, 100));
  expect(seen.filter(alive).map((p) => `${p}: ${readProcStatus(p).split('\n')[0]}`)).toEqual([]);
  for (const port of ports) expect([port, await isPortFree(port)]).toEqual([port, true]);
  expect(await leftoversOf(demo.child.pid!)).toEqual([]);
}

describe('npm run demo on a machine without Samba', () => {
  test('without Samba it names the Debian packages to install, and starts nothing', async () => {
    // A PATH with node only: no samba, no samba-tool, no dpkg to ask.
    const demo = runDemo([], { PATH: dirname(process.execPath), HOME: process.env.HOME });
    expect(await demo.exited).toBe(1);
    expect(demo.output()).toContain(`sudo apt-get install --no-install-recommends ${SAMBA_DC_PACKAGES.join(' ')}`);
    expect(demo.output()).toContain('Nothing was started.');
    expect(await leftoversOf(demo.child.pid!)).toEqual([]);
  });
});

describeInBrowser('npm run demo', () => {
  test('a newcomer opens the printed page, resets Alice\'s password with the code from the printed mailbox page, opens the printed console link as Nestor and Helen, and Ctrl-C leaves nothing running', async () => {
    const ports = await freeDemoPorts();
    const demo = runDemo(portArgs(ports));
    let code = '';
    try {
      await demo.waitFor(/ResetDesk demo is running/, 300_000);
      const aliceUrl = (await demo.waitFor(/Alice Andersen\s+(http:\/\/\S+)/, 1_000))[1]!;
      const mailboxUrl = (await demo.waitFor(/Mail and text messages: (http:\/\/\S+)/, 1_000))[1]!;
      const consoleUrl = (await demo.waitFor(/ResetDesk console \(Teams tab\): (http:\/\/\S+)/, 1_000))[1]!;
      expect(consoleUrl).toBe(`http://127.0.0.1:${ports.console}/`);

      const browser = await launchChromium();
      try {
        const context = await newLoopbackContext(browser);
        const teams = new TeamsPage(await context.newPage(), 'Alice Andersen');
        const inbox = new InboxPage(await context.newPage(), 'Alice Andersen', `${mailboxUrl}/?person=alice`);
        const journey = await JourneyRecorder.create('demo-command', 'newcomer resets alice', {
          screens: () => [{ label: 'alice teams', page: teams.page }, { label: 'alice inbox', page: inbox.page }],
          logs: async () => ({ 'demo-output.log': demo.output() }),
        });
        await journey.step('Alice opens the printed Teams page and says hi', teams, async () => {
          await teams.open(aliceUrl);
          await teams.openPersonalChat();
          await teams.say('hi');
          await teams.click(await teams.cardSaying('What do you need?'), 'Reset password');
        });
        await journey.step('she asks for a code by e-mail and reads it on the printed mailbox page', inbox, async () => {
          await inbox.open();
          const choose = await teams.cardSaying('How should we check?');
          code = await inbox.codeFrom('E-mail', () => teams.click(choose, 'Continue'));
        });
        await journey.step('she types the code and a new password', teams, async () => {
          const enter = await teams.cardSaying('Type the code');
          await teams.fill(enter, 'Code', code);
          await teams.click(enter, 'Check code');
          const card = await teams.cardSaying('Choose a new password');
          await teams.fill(card, 'New password', 'Demo-Fresh-2026!x');
          await teams.fill(card, 'Type it again', 'Demo-Fresh-2026!x');
          await teams.click(card, 'Set password');
          await teams.cardSaying('Your password was changed', 60_000);
        });

        // The console link: Nestor (approver and ResetDesk admin) sees the demo's running agent; Helen (helpdesk) sees Helpdesk, not Agents.
        const consoleContext = await newLoopbackContext(browser);
        const nestor = await openConsoleAs(consoleContext, consoleUrl, 'Nestor Nilsen');
        await journey.step('Nestor opens the printed console link and sees the demo\'s agent under Agents', nestor, async () => {
          expect(await nestor.tab.getByRole('tab').allTextContents()).toEqual(['Approvals', 'Requests', 'Agents', 'Audit', 'Counts']);
          await nestor.tab.getByRole('tab', { name: 'Agents' }).click();
          const agent = nestor.tab.getByRole('row', { name: /demo-agent/ });
          await agent.waitFor({ timeout: 30_000 });
          await agent.getByText('active').waitFor();
        });
        const helen = await openConsoleAs(consoleContext, consoleUrl, 'Helen Holm');
        await journey.step('Helen opens it and sees Helpdesk, but not Agents', helen, async () => {
          await helen.tab.getByRole('tab', { name: 'Helpdesk' }).waitFor();
          expect(await helen.tab.getByRole('tab').allTextContents()).toEqual(['Helpdesk', 'Requests']);
          expect(await helen.tab.getByRole('tab', { name: 'Agents' }).count()).toBe(0);
        });
      } finally {
        await browser.close();
      }
      // Codes reach the mailbox page only: never the console or the bot's log.
      const botLog = await readFile((await demo.waitFor(/log: (\S+bot\.log)/, 1_000))[1]!, 'utf8');
      expect(code).toMatch(/^\d{6,8}$/);
      const asWord = new RegExp(`\\b${code}\\b`);
      expect(botLog).not.toMatch(asWord);
      expect(demo.output()).not.toMatch(asWord);
    } finally {
      if (demo.child.exitCode === null) {
        const stopped = await ctrlC(demo);
        // What was running before the Ctrl-C: the DC, a Playground per person, the bot, the agent.
        expect(running(stopped.commands, /^samba: root process/)).toBe(1);
        expect(running(stopped.commands, /m365agentsplayground\/cli\.js/)).toBe(SAMPLE_PEOPLE.length);
        expect(running(stopped.commands, /bot\/main\.ts/)).toBe(1);
        expect(running(stopped.commands, /agent\/cli\.ts run/)).toBe(1);
        expect(stopped.code).toBe(0);
        expect(demo.output()).toContain('Stopped; nothing is left running.');
        await expectNothingLeft(demo, stopped.seen, demoPortList(ports));
      }
    }
  });

  test('a port that is taken is named with what holds it, and nothing starts', async () => {
    const ports = await freeDemoPorts();
    const squatter = createServer().listen(ports.bot, '127.0.0.1');
    try {
      const demo = runDemo(portArgs(ports));
      expect(await demo.exited).toBe(1);
      expect(demo.output()).toMatch(new RegExp(`these ports are taken:\\s+${ports.bot} \\(bot service\\), held by .*pid=${process.pid}`));
      expect(await leftoversOf(demo.child.pid!)).toEqual([]);
    } finally {
      await new Promise((r) => squatter.close(r));
    }
  });

  test('Ctrl-C in the middle of the start stops what was started and leaves nothing running', async () => {
    const ports = await freeDemoPorts();
    const demo = runDemo(portArgs(ports));
    await demo.waitFor(/starting \d+ Agents Playground instances/, 300_000);
    const { code, seen, commands } = await ctrlC(demo);
    expect(running(commands, /^samba: root process/)).toBe(1);
    expect(code).toBe(0);
    expect(demo.output()).toContain('Stopped; nothing is left running.');
    await expectNothingLeft(demo, seen, demoPortList(ports));
  });
});
